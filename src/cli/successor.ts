/**
 * `corral upgrade`, the new primary's side (the old side is primary/upgrade.ts). Started by
 * the old primary with an IPC channel and CORRAL_SUCCESSOR=1: it serves from the inherited
 * sockets, says "ready" once its workers are, waits for the old one to step back, then takes
 * the control socket name. A failure before "ready" is sent as the new primary's own error.
 */
import type { ControlServer } from "../control/server.js";
import { SUCCESSOR_ENV } from "../primary/upgrade.js";

/** The old primary may die meanwhile: we then take the name without its word. */
const RELEASE_WAIT_MS = 15_000;

export class Successor {
  private done = false;

  /** This process is a new primary started by `corral upgrade` (the variable is removed: workers must not see it). */
  static fromEnv(env: NodeJS.ProcessEnv): Successor | null {
    const marked = env[SUCCESSOR_ENV] === "1";
    delete env[SUCCESSOR_ENV];
    return marked && typeof process.send === "function" ? new Successor() : null;
  }

  /** Start failed (bad options, the app throws, not ready in time): the old primary reports `message` and serves on. */
  failed(message: string): void {
    if (this.done) return;
    this.done = true;
    this.send({ upgrade: "failed", error: message }, () => this.disconnect());
  }

  /** Workers ready: hand-over, then open the control socket (the old one has released the name). */
  async takeOver(open: () => Promise<ControlServer>): Promise<ControlServer> {
    this.done = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, RELEASE_WAIT_MS);
      function finish(): void {
        clearTimeout(timer);
        process.off("message", onMessage);
        process.off("disconnect", finish);
        resolve();
      }
      const onMessage = (message: unknown): void => {
        if ((message as { upgrade?: unknown } | null)?.upgrade === "released") finish();
      };
      process.on("message", onMessage);
      process.once("disconnect", finish);
      this.send({ upgrade: "ready" });
    });
    const control = await open();
    this.send({ upgrade: "serving" }, () => this.disconnect());
    return control;
  }

  private send(message: object, then?: () => void): void {
    if (!process.connected || !process.send) return then?.();
    process.send(message, undefined, {}, () => then?.());
  }

  private disconnect(): void {
    if (process.connected) process.disconnect?.();
  }
}
