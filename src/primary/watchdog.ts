/**
 * When the hang check runs, and on which clock. The verdict itself is health.ts.
 *
 * A hang is silence from a worker while the primary was there to hear it:
 * - Silence is measured on the monotonic clock: a wall-clock step forward must
 *   not make every worker look hung, nor a step back keep a hung one "ready".
 * - Heartbeats that arrived while the primary was busy wait in the IPC pipes;
 *   each check is deferred with setImmediate, so this loop turn reads them first.
 * - A tick that runs late means the primary itself was not running (SIGSTOP, a
 *   suspended VM, a blocked loop). Heartbeats sent meanwhile are queued, and
 *   workers stopped with it (Ctrl-Z on the process group) have not sent theirs
 *   yet: the silence before that moment is not held against anyone, so every
 *   worker gets a full --hang-timeout from it.
 */
import { performance } from "node:perf_hooks";

/** Milliseconds on the monotonic clock (never steps; what heartbeats are stamped with). */
export function monotonicNow(): number {
  return performance.now();
}

/** How often the watchdog scans for hung workers. */
export function watchdogTick(hangTimeoutMs: number): number {
  // The tick is the slack on top of --hang-timeout before a hung worker is killed; a scan of the workers is cheap.
  return Math.max(50, Math.min(250, Math.floor(hangTimeoutMs / 8)));
}

/**
 * Whether a tick `elapsedMs` after the previous one ran late: the primary was away for longer than
 * half the hang timeout. Shorter stalls cannot make a healthy worker look hung on their own.
 */
export function tickRanLate(elapsedMs: number, hangTimeoutMs: number): boolean {
  return elapsedMs > watchdogTick(hangTimeoutMs) + hangTimeoutMs / 2;
}

/** `check(now, heardSince)`: judge silence as `now - max(lastHeartbeatAt, heardSince)`. */
export type HealthCheck = (now: number, heardSince: number) => void;

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastTickAt = monotonicNow();
  /** Since when the primary has been running without a late tick. */
  private heardSince = -Infinity;

  constructor(
    private readonly hangTimeoutMs: number,
    private readonly check: HealthCheck,
  ) {}

  start(): void {
    if (this.timer) return;
    this.lastTickAt = monotonicNow();
    this.timer = setInterval(() => this.tick(), watchdogTick(this.hangTimeoutMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private tick(): void {
    const now = monotonicNow();
    const late = tickRanLate(now - this.lastTickAt, this.hangTimeoutMs);
    this.lastTickAt = now;
    if (late) {
      this.heardSince = now;
      return;
    }
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.check(monotonicNow(), this.heardSince);
    });
  }
}
