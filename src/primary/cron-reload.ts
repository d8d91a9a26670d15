/**
 * --restart-cron: a rolling reload at each time the expression names (PM2's
 * cron_restart is a hard restart of every instance at once, pm2 #5636; here
 * it is the same reload `corral reload` does). croner keeps the timer, which
 * handles delays past setTimeout's 24.8 days and DST changes. A reload already
 * in progress (or a scale, a recycling) is waited for, a second at a time, up to
 * a minute; a reload that fails was reported by the reload itself.
 */
import { Cron } from "croner";
import { CorralError } from "../errors.js";

const BUSY_RETRY_MS = 1_000;
const BUSY_RETRIES = 60;

export interface CronReloadHooks {
  reload(): Promise<unknown>;
  log(level: "info" | "warn" | "error", message: string): void;
}

export class CronReload {
  private readonly job: Cron;
  private retry: NodeJS.Timeout | null = null;

  constructor(readonly expression: string, private readonly hooks: CronReloadHooks) {
    // protect: a reload still running when the next time comes is not started twice.
    this.job = new Cron(expression, { protect: true }, () => this.fire(0));
    hooks.log("info", `--restart-cron "${expression}": next rolling reload at ${this.job.nextRun()?.toISOString() ?? "never"}`);
  }

  stop(): void {
    this.job.stop();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private fire(attempt: number): void {
    this.retry = null;
    if (attempt === 0) this.hooks.log("info", `--restart-cron "${this.expression}": rolling reload`);
    this.hooks.reload().catch((error: Error) => {
      if (!(error instanceof CorralError) || error.code !== "CORRAL_ERR_BUSY") return;
      if (attempt >= BUSY_RETRIES) {
        this.hooks.log("warn", `--restart-cron reload skipped: ${error.message} for a minute`);
        return;
      }
      this.retry = setTimeout(() => this.fire(attempt + 1), BUSY_RETRY_MS);
    });
  }
}
