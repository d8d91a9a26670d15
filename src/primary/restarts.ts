/**
 * Refilling a slot whose worker exited on its own (a crash, a kill for a hang):
 * a new worker after a backoff, or none once the slot is in a crash loop
 * (restart-policy.ts decides which); when every slot has given up, the supervisor
 * stops. Until a worker has been ready once, a failing app fails fast; the first
 * ready worker gives the slots that gave up under that rule their full chances.
 *
 * The supervisor owns the slots and tells this module of two things: a slot's
 * current worker exited unexpectedly (`exited`) and a worker became ready (`ready`).
 */
import { allErrored, type CorralError } from "../errors.js";
import type { CorralEventName, CorralEvents } from "../status.js";
import type { ManagedWorker } from "./managed-worker.js";
import { decideRestart, restartDelay } from "./restart-policy.js";
import { activeSlots, lastCrashOutput, type Slot } from "./slot.js";

/** What restarting needs of the supervisor. */
export interface RestartContext {
  readonly slots: ReadonlyMap<number, Slot>;
  /** --min-uptime and --max-restarts as they are now (a reload may change them). */
  limits(): { readonly minUptimeMs: number; readonly maxRestarts: number };
  shuttingDown(): boolean;
  /** Forks a worker for `slot` (the caller makes it the slot's worker). */
  fork(slot: Slot): ManagedWorker;
  emit<E extends CorralEventName>(event: E, payload: CorralEvents[E]): void;
  log(level: "info" | "error", message: string): void;
  /** Every slot gave up: the supervisor reports `error` and stops. */
  fatal(error: CorralError): void;
}

/** How a slot's current worker ended. */
export interface WorkerEnd {
  uptimeMs: number;
  /** It exited before it was ready. */
  wasStarting: boolean;
  /** Its crash report (crash-report.ts). */
  report: string[];
}

export class Restarts {
  /** A worker has been ready since start: until then a failing app fails fast (restart-policy.ts). */
  private served = false;

  constructor(private readonly context: RestartContext) {}

  get hasServed(): boolean {
    return this.served;
  }

  /**
   * A worker became ready. The first time, the app has served: from now on --max-restarts applies,
   * and slots that gave up under the start-up rule (a flaky start, not a broken app) start again.
   */
  ready(): void {
    if (this.served) return;
    this.served = true;
    for (const slot of activeSlots(this.context.slots)) {
      if (slot.state !== "errored") continue;
      slot.streak = 0;
      this.schedule(slot, restartDelay(1));
    }
  }

  /** `slot`'s current worker exited unexpectedly (the slot is not retired, corral is not stopping): restart it or give up. */
  exited(slot: Slot, worker: ManagedWorker, end: WorkerEnd): void {
    slot.lastStderr = end.report;
    slot.lastCrashAt = Date.now();
    const { minUptimeMs, maxRestarts } = this.context.limits();
    const decision = decideRestart({
      streak: slot.streak,
      uptimeMs: end.uptimeMs,
      minUptimeMs,
      maxRestarts,
      beforeReady: end.wasStarting,
      neverServed: !this.served,
      // We killed it for not becoming ready in time, or the primary refused its listen (a port in use).
      repeats: end.wasStarting && (worker.killReason !== null || worker.listenError !== null),
    });
    slot.streak = decision.streak;
    if (decision.action === "give-up") return this.giveUp(slot);
    this.schedule(slot, decision.delayMs);
  }

  private schedule(slot: Slot, delayMs: number): void {
    slot.state = "backoff";
    this.context.emit("worker-restart", { id: slot.id, delayMs });
    this.context.log("info", `restarting worker ${slot.id} in ${delayMs} ms`);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (this.context.shuttingDown() || slot.state !== "backoff") return;
      slot.state = "running";
      slot.restarts++;
      slot.worker = this.context.fork(slot);
    }, delayMs);
  }

  private giveUp(slot: Slot): void {
    slot.state = "errored";
    this.context.emit("worker-errored", { id: slot.id, lastStderr: slot.lastStderr });
    this.context.log("error", this.served
      ? `worker ${slot.id} crashed ${slot.streak} times in a row before --min-uptime; giving up on it`
      : `worker ${slot.id} failed ${slot.streak} time${slot.streak === 1 ? "" : "s"} before the app ever served; giving up on it`);
    const active = activeSlots(this.context.slots);
    if (active.length > 0 && active.every((s) => s.state === "errored")) {
      this.context.fatal(allErrored(lastCrashOutput(this.context.slots), !this.served));
    }
  }
}
