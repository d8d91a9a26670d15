/**
 * Asks every live worker for its app's prom-client metrics (the worker runtime
 * answers `{act: "metrics", seq}` with its default registry as JSON) and waits
 * a bounded time: a busy or hung worker must not stall /metrics, so whoever has
 * not answered by the deadline is left out of this round.
 *
 * Requests that arrive while a round is running share it, so a burst of
 * scrapers costs the workers one request each. What a round gives back is plain
 * data (`AppMetricsRound`): the admin layer aggregates it (admin/app-metrics.ts)
 * without touching a worker's record.
 */
import { CMD } from "../protocol.js";
import type { ManagedWorker } from "./managed-worker.js";

/** One worker process's answer. */
export interface AppMetricsReply {
  /** The process's node:cluster worker id: unique for the supervisor's life (`clusterId` in the snapshot). */
  readonly clusterId: number;
  /** Date.now() when it was forked: the newest process decides a metric's type. */
  readonly forkedAt: number;
  /** Its prom-client registry as JSON, unchecked. */
  readonly metrics: unknown[];
}

export interface AppMetricsRound {
  /** The answers, in the order they arrived; a worker that did not answer in time is missing. */
  readonly replies: readonly AppMetricsReply[];
  /** The processes alive when the round ended (by clusterId): one missing from it has exited. */
  readonly live: ReadonlySet<number>;
}

interface Round {
  seq: number;
  waiting: Set<ManagedWorker>;
  replies: Map<ManagedWorker, unknown[]>;
  finish(): void;
}

export class MetricsGatherer {
  private nextSeq = 1;
  private round: Round | null = null;
  private running: Promise<AppMetricsRound> | null = null;

  /** `workers`: every live worker process. */
  constructor(private readonly workers: () => Iterable<ManagedWorker>) {}

  /** A round of at most `timeoutMs` (a round already running is shared, with its own deadline). */
  gather(timeoutMs: number): Promise<AppMetricsRound> {
    this.running ??= this.start(timeoutMs).then((replies) => this.result(replies)).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** A worker's answer (spawn.ts's `metrics` hook). */
  reply(worker: ManagedWorker, seq: number, metrics: unknown[]): void {
    const round = this.round;
    if (!round || seq !== round.seq || !round.waiting.delete(worker)) return;
    round.replies.set(worker, metrics);
    if (round.waiting.size === 0) round.finish();
  }

  /** A worker that exits will not answer: don't wait for it. */
  exited(worker: ManagedWorker): void {
    const round = this.round;
    if (!round) return;
    round.waiting.delete(worker);
    if (round.waiting.size === 0) round.finish();
  }

  private result(replies: Map<ManagedWorker, unknown[]>): AppMetricsRound {
    const live = new Set<number>();
    for (const worker of this.workers()) live.add(worker.worker.id);
    return { replies: [...replies].map(([worker, metrics]) => ({ clusterId: worker.worker.id, forkedAt: worker.forkedAt, metrics })), live };
  }

  private start(timeoutMs: number): Promise<Map<ManagedWorker, unknown[]>> {
    // Not "starting" ones: their app may not have loaded prom-client yet (an empty answer), and they
    // have served nothing; they join the sums once ready.
    const asked = [...this.workers()].filter((w) => (w.state === "ready" || w.state === "draining") && w.worker.isConnected());
    const replies = new Map<ManagedWorker, unknown[]>();
    if (asked.length === 0) return Promise.resolve(replies);
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => round.finish(), timeoutMs);
      const round: Round = {
        seq,
        waiting: new Set(asked),
        replies,
        finish: () => {
          clearTimeout(timer);
          if (this.round === round) this.round = null;
          resolve(replies);
        },
      };
      this.round = round;
      for (const worker of asked) worker.send({ cmd: CMD, act: "metrics", seq });
    });
  }
}
