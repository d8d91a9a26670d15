/**
 * What the supervisor does about a worker that still runs but must go. The
 * verdicts are pure (health.ts, recycle.ts, diagnostics/health-checks.ts); this
 * module acts on them:
 *
 * - hung (the watchdog, watchdog.ts): its stack is taken, then it is SIGKILLed;
 *   its slot refills as after a crash (restarts.ts).
 * - over --max-memory, failing the app's health check, or due for recycling
 *   (--max-requests, --max-age): replaced by a ready new worker as a reload
 *   replaces it, in the supervisor's lock, so never during a reload or a scale.
 *   A replacement that fails backs its slot off rather than forking again at
 *   every heartbeat.
 */
import type { ResolvedOptions } from "../config/types.js";
import type { CorralEventName, CorralEvents } from "../status.js";
import type { Diagnostics } from "./diagnostics/diagnostics.js";
import { healthVerdict, overloadReason } from "./diagnostics/health-checks.js";
import { hangVerdict, memoryVerdict } from "./health.js";
import type { ManagedWorker } from "./managed-worker.js";
import { Recycler, type RecycleOptions } from "./recycle.js";
import { replaceRetryDelay } from "./restart-policy.js";
import { activeSlots, type Slot } from "./slot.js";
import { Watchdog } from "./watchdog.js";

export type ReplacementOptions = Pick<ResolvedOptions, "hangTimeoutMs" | "maxMemoryBytes" | "unhealthyAfter" | "reloadParallel"> & RecycleOptions;

/** What replacing needs of the supervisor. */
export interface ReplacementContext {
  readonly slots: ReadonlyMap<number, Slot>;
  /** Every live worker process. */
  readonly workers: Iterable<ManagedWorker>;
  /** The options as they are now (a reload may change them). */
  options(): ReplacementOptions;
  /** False while a reload or scale holds the lock, or corral is stopping: nothing is replaced then. */
  canReplace(): boolean;
  /** Starts a new worker in `slot`; once it is ready, the old one drains (rejects if the new one failed). */
  replace(slot: Slot): Promise<unknown>;
  /** Runs `task` in the supervisor's lock: one change of the worker set at a time. */
  exclusive(what: string, task: () => Promise<unknown>): Promise<unknown>;
  readonly diagnostics: Pick<Diagnostics, "captureHang" | "noteOverload">;
  emit<E extends CorralEventName>(event: E, payload: CorralEvents[E]): void;
  log(level: "info" | "warn" | "error", message: string): void;
}

export class Replacements {
  private watchdog: Watchdog | null = null;
  /** --max-requests, --max-age: each worker's limits (recycle.ts). */
  private recycler: Recycler;

  constructor(private readonly context: ReplacementContext) {
    this.recycler = new Recycler(context.options());
  }

  /** Starts watching for hung workers. */
  start(): void {
    this.watchdog = new Watchdog(this.context.options().hangTimeoutMs, (now, heardSince) => this.checkHangs(now, heardSince));
    this.watchdog.start();
  }

  stop(): void {
    this.watchdog?.stop();
  }

  /** A reload changed the options: workers keep the limits they drew at fork unless the limits themselves changed. */
  reconfigured(before: RecycleOptions, next: RecycleOptions): void {
    if (next.maxRequests !== before.maxRequests || next.maxRequestsJitter !== before.maxRequestsJitter || next.maxAgeMs !== before.maxAgeMs) this.recycler = new Recycler(next);
  }

  /** A worker was forked: it draws its recycling limits. */
  forked(worker: ManagedWorker): void {
    this.recycler.forked(worker);
  }

  /** A worker's heartbeat brought new figures. */
  heartbeat(worker: ManagedWorker): void {
    this.checkMemory(worker);
    this.checkRecycle(worker);
  }

  /** A worker's worker.healthCheck() result: a sick worker is replaced, overload is only reported (health-checks.ts). */
  healthReport(worker: ManagedWorker, ok: boolean, error: string | null): void {
    worker.failedChecks = ok ? 0 : worker.failedChecks + 1;
    worker.healthError = ok ? null : error;
    const { unhealthyAfter } = this.context.options();
    const serving = activeSlots(this.context.slots).flatMap((slot) => (slot.worker?.state === "ready" ? [slot.worker] : []));
    if (this.context.diagnostics.noteOverload(overloadReason(serving, unhealthyAfter))) {
      // Workers recover from overload a heartbeat or so apart: the first to pass must not get the others
      // replaced for failures they shared with it. Each gets --unhealthy-after fresh checks.
      for (const peer of serving) peer.failedChecks = 0;
    }
    const verdict = healthVerdict(worker, serving, unhealthyAfter);
    if (verdict.action !== "replace") return;
    const slot = this.replaceable(worker);
    if (!slot) return;
    this.context.emit("worker-unhealthy", { id: worker.slotId, pid: worker.pid, failedChecks: worker.failedChecks, error: worker.healthError });
    this.replace("health", "warn", [{ slot, reason: verdict.reason }]);
  }

  private checkHangs(now: number, heardSince: number): void {
    const { hangTimeoutMs } = this.context.options();
    for (const worker of this.context.workers) {
      const hung = hangVerdict(worker, hangTimeoutMs, now, heardSince);
      if (!hung) continue;
      worker.killReason = hung.reason;
      // Its stack first (a second at most), then the kill: the log says why the next hang happened.
      void this.context.diagnostics.captureHang(worker, hung.reason).then(({ stack, stackError }) => {
        this.context.emit("worker-hung", { id: worker.slotId, pid: worker.pid, silentMs: hung.silentMs, stack, stackError });
        worker.kill("SIGKILL");
      });
    }
  }

  private checkMemory(worker: ManagedWorker): void {
    const over = memoryVerdict(worker, this.context.options().maxMemoryBytes);
    if (!over) return;
    const slot = this.replaceable(worker);
    if (!slot) return;
    this.context.emit("worker-memory", { id: worker.slotId, pid: worker.pid, rss: over.rss, limit: over.limit });
    this.replace("memory", "warn", [{ slot, reason: over.reason }]);
  }

  /**
   * When a worker is due, every due worker (at most --reload-parallel) is replaced as a reload
   * does, in one turn of the lock; the ones left are judged again at their next heartbeat.
   */
  private checkRecycle(worker: ManagedWorker): void {
    if (!this.recycler.enabled || !this.context.canReplace() || !this.recycler.verdict(worker)) return;
    const now = Date.now();
    const due: Array<{ slot: Slot; reason: string }> = [];
    for (const slot of activeSlots(this.context.slots)) {
      const verdict = slot.worker && now >= slot.replaceRetryAt ? this.recycler.verdict(slot.worker, now) : null;
      if (!verdict || due.length >= this.context.options().reloadParallel) continue;
      const { cause: reason, requests, ageMs, limit } = verdict;
      this.context.emit("worker-recycled", { id: slot.id, pid: slot.worker!.pid, reason, requests, ageMs, limit });
      due.push({ slot, reason: verdict.reason });
    }
    if (due.length > 0) this.replace("recycle", "info", due);
  }

  /** `worker`'s slot if it may be replaced now: it is the slot's current worker, nothing else holds the lock, no failed replacement is backing off. */
  private replaceable(worker: ManagedWorker): Slot | null {
    const slot = this.context.slots.get(worker.slotId);
    if (!slot || slot.worker !== worker || !this.context.canReplace()) return null;
    // The last replacement failed: back off, not a fork per heartbeat.
    return Date.now() < slot.replaceRetryAt ? null : slot;
  }

  /** Replaces each slot's worker by a ready new one in one turn of the lock; a failed one backs its slot off, not a fork per heartbeat. */
  private replace(what: string, level: "info" | "warn", batch: Array<{ slot: Slot; reason: string }>): void {
    const work = batch.map(({ slot, reason }) => {
      const worker = slot.worker!;
      worker.killReason = reason;
      this.context.log(level, `worker ${slot.id} (pid ${worker.pid}) ${reason}: replacing it`);
      return async () => {
        try {
          await this.context.replace(slot);
          slot.replaceFailures = 0;
        } catch (error) {
          worker.killReason = null;
          const delayMs = replaceRetryDelay(++slot.replaceFailures);
          slot.replaceRetryAt = Date.now() + delayMs;
          this.context.log("error", `could not replace worker ${slot.id} (trying again in ${delayMs} ms): ${(error as Error).message}`);
        }
      };
    });
    void this.context.exclusive(what, () => Promise.all(work.map((replace) => replace()))).catch(() => {});
  }
}
