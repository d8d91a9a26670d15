/**
 * `corral upgrade`, the old primary's side: start the new primary (the corral CLI as it is
 * on disk now, with this one's arguments, environment and working directory, under this
 * Node or another) and hand it every listening socket as an inherited fd, never re-bound:
 * the kernel's accept queue is the same, so nothing is refused in between.
 *
 * The hand-over, over the IPC channel of the spawn (the new side is cli/successor.ts):
 *   new → old  { upgrade: "ready" }     its workers are ready and accept from the sockets too
 *   old → new  { upgrade: "released" }  the old stopped accepting and gave up the control socket name
 *   new → old  { upgrade: "serving" }   the new holds the control socket: the old drains and exits 0
 *   new → old  { upgrade: "failed", error }   at any point before "ready": the old serves on, untouched
 * The new primary is detached (its own session): it must outlive the old one, whose
 * stdout and stderr it shares.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { CorralError } from "../errors.js";
import { UPGRADE_FDS_ENV } from "./inherited-sockets.js";

/** Marks the new primary (with the IPC channel): cli/successor.ts. */
export const SUCCESSOR_ENV = "CORRAL_SUCCESSOR";
/** The new primary's node and corral start-up on top of its workers' --listen-timeout. */
const START_MARGIN_MS = 10_000;
/** After "released", how long the new primary may take to open the control socket. */
const TAKE_OVER_MS = 10_000;
/** A failed new primary gets this long to drain what it started before it is SIGKILLed. */
const STOP_GRACE_MS = 5_000;

export interface Launch {
  node: string;
  execArgv: string[];
  cli: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Handover {
  /** Listening fds: the app's sockets, and the admin server's (null without --admin). */
  appFds: number[];
  adminFd: number | null;
  /** The new primary serves: stop accepting, stop the admin listener, give up the control socket name. */
  release(): Promise<void>;
  listenTimeoutMs: number;
  /** This primary began to stop meanwhile (SIGTERM, corral stop): the operator wants it gone, not replaced. */
  stopping(): boolean;
  log(level: "info" | "warn" | "error", message: string): void;
}

type Message = { upgrade?: unknown; error?: unknown };

export async function startSuccessor(launch: Launch, handover: Handover): Promise<{ pid: number }> {
  const fds = [...handover.appFds.map((fd) => ({ fd, role: "app" })), ...(handover.adminFd === null ? [] : [{ fd: handover.adminFd, role: "admin" }])];
  // stdio 0-2 as ours (stdin closed), 3 the IPC channel, 4.. the sockets in the order the variable lists them.
  const FIRST = 4;
  const child = spawn(launch.node, [...launch.execArgv, launch.cli, ...launch.args], {
    cwd: launch.cwd,
    env: { ...launch.env, [UPGRADE_FDS_ENV]: JSON.stringify(fds.map((f, i) => ({ fd: FIRST + i, role: f.role }))), [SUCCESSOR_ENV]: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc", ...fds.map((f) => f.fd)],
    detached: true,
  });
  handover.log("info", `upgrade: started the new primary (pid ${child.pid ?? "?"}) with ${launch.node} ${launch.cli}`);
  const next = messages(child);
  try {
    const ready = await next(handover.listenTimeoutMs + START_MARGIN_MS, "ready");
    if (ready.upgrade !== "ready") throw failure(ready);
  } catch (error) {
    stopFailed(child);
    const reason = (error as Error).message;
    handover.log("error", `upgrade failed, still serving (pid ${process.pid}): ${reason}`);
    throw new CorralError("CORRAL_ERR_UPGRADE_FAILED", `upgrade failed, the running primary (pid ${process.pid}) serves on: ${reason}`);
  }
  if (handover.stopping()) {
    stopFailed(child);
    handover.log("warn", `upgrade abandoned: corral is shutting down, so the new primary (pid ${child.pid}) is stopped too`);
    throw new CorralError("CORRAL_ERR_STOPPED", "upgrade abandoned: corral is shutting down");
  }
  // From here on both primaries accept; the old one steps back.
  await handover.release();
  child.send({ upgrade: "released" });
  try {
    const serving = await next(TAKE_OVER_MS, "serving");
    if (serving.upgrade !== "serving") throw failure(serving);
  } catch (error) {
    // Too late to go back (our sockets are closed): the new primary serves without us, so say what is missing.
    handover.log("error", `upgrade: the new primary (pid ${child.pid}) serves but did not confirm the control socket: ${(error as Error).message}`);
  }
  if (child.connected) child.disconnect();
  child.unref();
  return { pid: child.pid! };
}

function failure(message: Message): Error {
  return new Error(typeof message.error === "string" ? message.error : `unexpected message ${JSON.stringify(message).slice(0, 200)}`);
}

/** The next message from the new primary, or an error if it exits or stays silent for `timeoutMs`. */
function messages(child: ChildProcess): (timeoutMs: number, what: string) => Promise<Message> {
  const queue: Message[] = [];
  let waiter: ((m: Message | Error) => void) | null = null;
  let ended: Error | null = null;
  const push = (m: Message | Error): void => {
    if (m instanceof Error) ended ??= m;
    else queue.push(m);
    if (waiter) waiter(m);
  };
  child.on("message", (m: unknown) => push(typeof m === "object" && m !== null ? (m as Message) : {}));
  child.on("error", (error) => push(new Error(`could not start it: ${error.message}`)));
  child.on("exit", (code, signal) => push(new Error(`the new primary exited with ${signal ? `signal ${signal}` : `code ${code}`}`)));
  return (timeoutMs, what) => new Promise((resolve, reject) => {
    const take = (): boolean => {
      const m = queue.shift();
      if (m) resolve(m);
      else if (ended) reject(ended);
      else return false;
      return true;
    };
    if (take()) return;
    const timer = setTimeout(() => {
      waiter = null;
      reject(new Error(`the new primary was not ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiter = () => {
      if (take()) {
        clearTimeout(timer);
        waiter = null;
      }
    };
  });
}

/** SIGTERM: the failed new primary drains what it started; SIGKILL to its group if it does not go. */
function stopFailed(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, STOP_GRACE_MS);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
  if (child.connected) child.disconnect();
  child.unref();
}
