/**
 * The JavaScript stack of a hung worker, taken just before it is killed.
 *
 * SIGUSR1 makes node open its inspector even while the event loop spins: the
 * signal is caught on a thread of its own, which asks V8 for an interrupt, and
 * V8 serves interrupts between JavaScript instructions. The worker's runtime
 * preset the port (process.debugPort, worker/inspector-port.ts) to a loopback
 * port it reserved at start, so nothing listens there until the signal.
 * `Debugger.pause` then stops the spinning code and `Debugger.paused` carries
 * its call frames. node's own --report-on-signal writes nothing in this state.
 *
 * A worker stopped by SIGSTOP, or stuck in native code (a synchronous syscall,
 * a native addon), serves no interrupt: the inspector never answers, and the
 * capture gives up after its deadline with the reason. Everything here is
 * bounded by that deadline and never throws: the kill comes on time regardless.
 */
import http from "node:http";
import { fileURLToPath } from "node:url";
import { readProcStat } from "../../proc-stat.js";
import { CdpConnection } from "./cdp-client.js";

export interface StackFrame {
  functionName: string;
  /** A file path for file: URLs, else the URL as V8 gives it (node:internal/…). */
  file: string;
  /** 1-based, as editors count. */
  line: number;
  column: number;
}

export type HangStack = { frames: StackFrame[]; error: null } | { frames: null; error: string };

/** The most frames kept: the interesting ones are on top. */
const MAX_FRAMES = 32;
const POLL_MS = 25;

/** "spinForever (/srv/app/server.js:12:5)", the way a JS stack names a frame. */
export function formatFrame(frame: StackFrame): string {
  return `${frame.functionName || "<anonymous>"} (${frame.file}:${frame.line}:${frame.column})`;
}

/**
 * Signals `pid`, waits for its inspector on `port` and pauses it; never rejects, never outlives `timeoutMs`.
 * `refusal`: why its inspector must not be opened (a root worker), said instead of a stack.
 */
export async function captureHangStack(pid: number, port: number | null, timeoutMs: number, refusal: string | null = null): Promise<HangStack> {
  if (port === null) return noStack("the worker never reported its inspector port (it hung before corral's runtime started?)");
  const deadline = Date.now() + timeoutMs;
  // A stopped process serves no signal until it is continued: waiting for it would only delay the kill.
  const state = processState(pid);
  if (state === "T" || state === "t") return noStack("the process is stopped (SIGSTOP or a debugger): it cannot run to show its stack");
  if (refusal !== null) return noStack(refusal);
  try {
    process.kill(pid, "SIGUSR1");
  } catch (error) {
    return noStack(`could not signal pid ${pid}: ${(error as Error).message}`);
  }
  let connection: CdpConnection | null = null;
  try {
    const url = await waitForTarget(port, deadline);
    if (url === null) return noStack(why(pid, `its inspector did not open within ${timeoutMs} ms`));
    connection = await CdpConnection.connect(url, Math.max(1, deadline - Date.now()));
    const frames = await withDeadline(pausedFrames(connection), deadline);
    return frames === null ? noStack(why(pid, `its inspector did not pause it within ${timeoutMs} ms`)) : { frames, error: null };
  } catch (error) {
    return noStack(why(pid, (error as Error).message));
  } finally {
    connection?.close();
  }
}

function noStack(reason: string): HangStack {
  return { frames: null, error: `no stack: ${reason}` };
}

/** The reason, with what /proc says the process is doing when that explains it. */
function why(pid: number, reason: string): string {
  const state = processState(pid);
  if (state === "T" || state === "t") return `${reason} (the process is stopped, e.g. by SIGSTOP)`;
  if (state === "D") return `${reason} (the process is in an uninterruptible system call)`;
  if (state === "Z") return `${reason} (the process has exited)`;
  return `${reason} (it may be stuck in native code)`;
}

/** The state letter of /proc/PID/stat, or null off Linux. */
function processState(pid: number): string | null {
  return readProcStat(pid)?.state ?? null;
}

/** Polls /json/list on the port until the inspector answers with a target; null at the deadline (epoch ms). */
export async function waitForTarget(port: number, deadline: number): Promise<string | null> {
  while (Date.now() < deadline) {
    const url = await targetUrl(port, Math.max(1, deadline - Date.now())).catch(() => null);
    if (url !== null) return url;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}

/** The first target's WebSocket URL from http://127.0.0.1:PORT/json/list. */
export function targetUrl(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/json/list", agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (body.length > 64 * 1024) req.destroy(new Error("/json/list reply too long"));
      });
      res.on("end", () => {
        try {
          const list = JSON.parse(body) as Array<{ webSocketDebuggerUrl?: unknown }>;
          const url = list[0]?.webSocketDebuggerUrl;
          if (typeof url !== "string" || !url.startsWith(`ws://127.0.0.1:${port}/`)) throw new Error("no inspector target");
          resolve(url);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function pausedFrames(connection: CdpConnection): Promise<StackFrame[]> {
  // V8 no longer fills CallFrame.url: scripts are named by the scriptParsed events Debugger.enable replays.
  const scripts = new Map<string, string>();
  connection.on("Debugger.scriptParsed", (params) => {
    if (typeof params.scriptId === "string" && typeof params.url === "string") scripts.set(params.scriptId, params.url);
  });
  const paused = new Promise<Array<Record<string, any>>>((resolve) => {
    connection.on("Debugger.paused", (params) => resolve(Array.isArray(params.callFrames) ? params.callFrames : []));
  });
  void connection.send("Debugger.enable").catch(() => {});
  void connection.send("Debugger.pause").catch(() => {});
  const callFrames = await paused;
  // Let it run again, so the kill finds it as it was (and a debugger that is not us finds no paused target).
  void connection.send("Debugger.resume").catch(() => {});
  return callFrames.slice(0, MAX_FRAMES).map((frame) => {
    const url = scripts.get(String(frame.location?.scriptId)) ?? String(frame.url ?? "");
    return {
      functionName: String(frame.functionName ?? ""),
      file: url.startsWith("file:") ? safePath(url) : url || "<unknown>",
      line: Number(frame.location?.lineNumber ?? 0) + 1,
      column: Number(frame.location?.columnNumber ?? 0) + 1,
    };
  });
}

function safePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/** The promise's value, or null when `deadline` (epoch ms) comes first. */
function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
