/**
 * sd_notify for `Type=notify` units: READY=1 when every worker is ready, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1 on drain, MAINPID= when `corral upgrade` hands over,
 * STATUS= with ready/desired workers. Node cannot send a unix datagram, so each message is
 * one run of the `systemd-notify` binary (hence NotifyAccess=all in the unit). Messages go
 * out one at a time, in order; STATUS-only updates are coalesced to the latest, so a worker
 * crash loop costs at most one process in flight, never one per event.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Corral } from "./corral.js";

const SEARCH = ["/usr/bin", "/bin", "/usr/local/bin"];
const SEND_TIMEOUT_MS = 5_000;

function findNotify(env: NodeJS.ProcessEnv): string | null {
  for (const dir of [...(env.PATH ?? "").split(delimiter), ...SEARCH]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, "systemd-notify"), constants.X_OK);
      return join(dir, "systemd-notify");
    } catch {
      // next
    }
  }
  return null;
}

export class SdNotify {
  private sending: Promise<void> = Promise.resolve();
  private pendingStatus: string | null = null;
  private statusQueued = false;

  private constructor(
    private readonly binary: string,
    private readonly socket: string,
    private readonly log: (message: string) => void,
  ) {}

  /** A notifier when systemd asked for one (NOTIFY_SOCKET); null otherwise, or with a warning when the binary is missing. */
  static fromEnv(env: NodeJS.ProcessEnv, log: (message: string) => void): SdNotify | null {
    const socket = env.NOTIFY_SOCKET;
    if (!socket) return null;
    // Ours alone: an app that notified systemd itself would say READY=1 before every worker is.
    // (`corral upgrade` passes it on: the environment as started was taken before this.)
    delete env.NOTIFY_SOCKET;
    const binary = findNotify(env);
    if (!binary) log("NOTIFY_SOCKET is set but systemd-notify is not installed: systemd is not told when corral is ready (use Type=simple)");
    return binary ? new SdNotify(binary, socket, log) : null;
  }

  /** Sends the fields (with this process as MAINPID) after those sent before. */
  send(...fields: string[]): Promise<void> {
    this.sending = this.sending.then(() => this.run(fields));
    return this.sending;
  }

  /** `corral upgrade`: the new primary is the service's main process now (sent by the old one before it exits). */
  mainPid(pid: number): Promise<void> {
    this.sending = this.sending.then(() => this.run([`STATUS=upgraded: pid ${pid} serves`], pid));
    return this.sending;
  }

  /** A STATUS= line: only the latest of those waiting is sent. */
  status(text: string): void {
    this.pendingStatus = text;
    if (this.statusQueued) return;
    this.statusQueued = true;
    this.sending = this.sending.then(() => {
      this.statusQueued = false;
      const text = this.pendingStatus!;
      return this.run([`STATUS=${text}`]);
    });
  }

  /** `--pid` sends MAINPID= too: the main process is always the primary that speaks (or `pid`). */
  private run(fields: string[], pid = process.pid): Promise<void> {
    return new Promise((resolve) => {
      execFile(this.binary, [`--pid=${pid}`, ...fields], { timeout: SEND_TIMEOUT_MS, env: { ...process.env, NOTIFY_SOCKET: this.socket } }, (error) => {
        if (error) this.log(`systemd-notify ${fields.join(" ")} failed: ${error.message.trim()}`);
        resolve();
      });
    });
  }
}

/** "2/2 workers ready" */
function statusLine(corral: Corral): string {
  return `${corral.readyCount()}/${corral.workersDesired} workers ready`;
}

/** Tells systemd what the supervisor does; `ready()` once start() resolved. */
export function notifySystemd(corral: Corral, notify: SdNotify): { ready(): Promise<void> } {
  let started = false;
  const update = (): void => {
    if (started) notify.status(statusLine(corral));
  };
  corral.on("worker-ready", update);
  corral.on("worker-exit", update);
  // MONOTONIC_USEC: systemd (>= 253) matches the reload it started with this timestamp.
  corral.on("reload-start", () => void notify.send("RELOADING=1", `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`, "STATUS=reloading"));
  corral.on("reload-done", () => void notify.send("READY=1", `STATUS=${statusLine(corral)}`));
  corral.on("reload-failed", ({ reason }) => void notify.send("READY=1", `STATUS=reload failed: ${reason.split("\n")[0]}`));
  corral.on("shutdown", ({ reason }) => {
    // An upgrade's old primary drains too, but the service goes on: the new one said MAINPID=.
    if (reason !== "upgraded") void notify.send("STOPPING=1", `STATUS=stopping (${reason})`);
  });
  return {
    ready: () => {
      started = true;
      return notify.send("READY=1", `STATUS=${statusLine(corral)}`);
    },
  };
}
