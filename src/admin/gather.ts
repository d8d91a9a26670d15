/**
 * Asks every live worker for its app's prom-client metrics (the worker runtime
 * answers `{act: "metrics", seq}` with its default registry as JSON) and waits
 * a bounded time: a busy or hung worker must not stall /metrics, so whoever has
 * not answered by the deadline is left out of this round.
 *
 * Scrapes that arrive while a round is running share it, so a burst of
 * scrapers costs the workers one request each, and two listeners on the
 * supervisor serve every round.
 */
import type { Corral, CorralProcessEvents } from "../primary/corral.js";
import type { ManagedWorker } from "../primary/managed-worker.js";
import { CMD } from "../protocol.js";
import type { CorralEvents } from "../status.js";

export type WorkerMetricsReply = CorralProcessEvents["worker-metrics"];

interface Round {
  seq: number;
  waiting: Set<ManagedWorker>;
  replies: Map<ManagedWorker, unknown[]>;
  finish(): void;
}

export class MetricsGatherer {
  private nextSeq = 1;
  private round: Round | null = null;
  private running: Promise<Map<ManagedWorker, unknown[]>> | null = null;

  private readonly onReply = (reply: WorkerMetricsReply): void => {
    const round = this.round;
    if (!round || reply.seq !== round.seq || !round.waiting.delete(reply.worker)) return;
    round.replies.set(reply.worker, reply.metrics);
    if (round.waiting.size === 0) round.finish();
  };

  /** A worker that exits will not answer: don't wait for it. */
  private readonly onExit = (exit: CorralEvents["worker-exit"]): void => {
    const round = this.round;
    if (!round) return;
    for (const worker of round.waiting) if (worker.pid === exit.pid) round.waiting.delete(worker);
    if (round.waiting.size === 0) round.finish();
  };

  constructor(
    private readonly corral: Corral,
    private readonly timeoutMs: number,
  ) {
    corral.on("worker-metrics", this.onReply);
    corral.on("worker-exit", this.onExit);
  }

  gather(): Promise<Map<ManagedWorker, unknown[]>> {
    this.running ??= this.start().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    this.corral.off("worker-metrics", this.onReply);
    this.corral.off("worker-exit", this.onExit);
    this.round?.finish();
  }

  private start(): Promise<Map<ManagedWorker, unknown[]>> {
    // Not "starting" ones: their app may not have loaded prom-client yet (an empty answer), and they
    // have served nothing; they join the sums once ready.
    const asked = this.corral.liveWorkers().filter((w) => (w.state === "ready" || w.state === "draining") && w.worker.isConnected());
    const replies = new Map<ManagedWorker, unknown[]>();
    if (asked.length === 0) return Promise.resolve(replies);
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => round.finish(), this.timeoutMs);
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
