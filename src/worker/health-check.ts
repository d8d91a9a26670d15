/**
 * The app's own health check, `worker.healthCheck(async () => …)`, run with each
 * heartbeat and reported to the primary (a HealthReport). Resolving is healthy;
 * throwing, rejecting or returning `false` is a failed check, with its message.
 *
 * Bounded: a check that has not settled within its time is reported failed, and
 * is not started again while it still runs (a check stuck on a dead database
 * must not pile up one promise per second); each tick it is still stuck counts
 * as one more failure. Nothing a check does can throw into the app's process
 * from corral's timer.
 */
import { sendToPrimary } from "./channel.js";

export type HealthCheck = () => unknown;

/** At least a second, so a check that queries a database is not failed by a fast heartbeat. */
const MIN_TIMEOUT_MS = 1_000;

export class HealthChecks {
  private check: HealthCheck | null = null;
  private startedAt = 0;
  private running = false;
  private readonly timeoutMs: number;

  constructor(intervalMs: number) {
    this.timeoutMs = Math.max(MIN_TIMEOUT_MS, intervalMs);
    setInterval(() => this.tick(), intervalMs).unref();
  }

  /** The app's check (the last one given wins). */
  set(check: HealthCheck): void {
    this.check = check;
  }

  private tick(): void {
    if (this.check === null) return;
    if (this.running) {
      const ms = Date.now() - this.startedAt;
      if (ms >= this.timeoutMs) report(false, `the health check has not finished after ${ms} ms`);
      return;
    }
    this.running = true;
    this.startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const check = this.check;
    const result = (async () => check())().then(
      (value) => (value === false ? report(false, "the health check returned false") : report(true, null)),
      (error: unknown) => report(false, String((error as Error)?.message ?? error)),
    );
    void Promise.race([result.then(() => true), timedOut]).then((settled) => {
      clearTimeout(timer);
      if (!settled) report(false, `the health check did not finish within ${this.timeoutMs} ms`);
    });
    void result.finally(() => {
      this.running = false;
    });
  }
}

function report(ok: boolean, error: string | null): void {
  try {
    sendToPrimary({ act: "health", ok, error: error === null ? null : error.slice(0, 1000) });
  } catch {
    // The channel is closing: the primary is gone, or going.
  }
}
