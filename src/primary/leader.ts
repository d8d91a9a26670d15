/**
 * Leadership: at most one worker at a time runs the app's worker.onLeader
 * `start` callbacks, among the ready workers that registered them.
 *
 *   none ──elect──▶ leading(w, term) ──w drains──▶ revoking(w, term)
 *    ▲                   │                              │
 *    └──── w exits ──────┴──── w's stop settled, or w exits ───┘
 *
 * A new leader is elected only from `none`: while a leader is being revoked the
 * primary waits for its `stop` callbacks (or its exit; a draining worker is
 * SIGKILLed after --kill-timeout, which bounds the wait), so two leaders never
 * overlap. The newest ready candidate wins: during a rolling reload it is a
 * fresh worker, so leadership moves once, not once per replaced slot.
 */
import { CMD } from "../protocol.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { Level } from "./output.js";

export interface LeaderView {
  /** Slot id and pid of the worker granted leadership (also while it is stopping). */
  id: number;
  pid: number;
  term: number;
  /** Its `stop` callbacks are running: no one else leads until they settle. */
  stopping: boolean;
}

export class Leadership {
  private readonly candidates = new Set<ManagedWorker>();
  private leader: ManagedWorker | null = null;
  private term = 0;
  private revoking = false;

  constructor(private readonly log: (level: Level, message: string) => void) {}

  /** The worker called worker.onLeader. */
  candidate(worker: ManagedWorker): void {
    if (worker.state === "starting" || worker.state === "ready") this.candidates.add(worker);
    this.elect();
  }

  /** A worker became ready: it may be the one to lead. */
  ready(): void {
    this.elect();
  }

  /** The worker is about to be drained (reload, scale-down, shutdown): told to stop before its drain order. */
  leaving(worker: ManagedWorker): void {
    this.candidates.delete(worker);
    if (worker !== this.leader || this.revoking) return;
    this.revoking = true;
    worker.send({ cmd: CMD, act: "leader", term: this.term, lead: false });
    this.log("info", `worker ${worker.slotId} (pid ${worker.pid}) is leaving: stopping its leader callbacks before another worker leads`);
  }

  /** The worker's stop callbacks settled for `term`. */
  stopped(worker: ManagedWorker, term: number): void {
    if (worker !== this.leader || term !== this.term || !this.revoking) return;
    this.release();
  }

  exited(worker: ManagedWorker): void {
    this.candidates.delete(worker);
    if (worker === this.leader) this.release();
  }

  view(): LeaderView | null {
    const leader = this.leader;
    return leader === null ? null : { id: leader.slotId, pid: leader.pid, term: this.term, stopping: this.revoking };
  }

  private release(): void {
    this.leader = null;
    this.revoking = false;
    this.elect();
  }

  private elect(): void {
    if (this.leader !== null) return;
    let chosen: ManagedWorker | null = null;
    for (const worker of this.candidates) {
      if (worker.state === "ready" && (chosen === null || worker.readyAt >= chosen.readyAt)) chosen = worker;
    }
    if (chosen === null) return;
    this.leader = chosen;
    this.term++;
    chosen.send({ cmd: CMD, act: "leader", term: this.term, lead: true });
    this.log("info", `worker ${chosen.slotId} (pid ${chosen.pid}) is the leader`);
  }
}
