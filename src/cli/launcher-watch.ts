/**
 * corral under npm (`npm start`, `npx corral start`): npm runs it through a shell,
 * and a SIGTERM to npm ends npm and that shell but never reaches corral, which
 * would serve on, unmanaged, reparented to PID 1. So when npm started corral and
 * npm (or the shell between them) goes away, corral drains and exits.
 *
 * Detection is npm's own environment (npm_lifecycle_event, npm_execpath, its user
 * agent). The watch is a poll, once a second: getppid() (the direct parent was
 * replaced by PID 1 or a subreaper), and on Linux the npm process itself, found
 * by walking /proc up the parent chain and known by pid and start time (so a
 * recycled pid is not mistaken for it) — npm SIGKILLed leaves the shell alive.
 */
import { readFileSync } from "node:fs";
import { readProcStat } from "../proc-stat.js";

const POLL_MS = 1000;
/** How far up the parent chain npm may be: corral ← sh ← npm (← npx's exec). */
const MAX_DEPTH = 4;
const NPM_COMMAND = /(?:^|\/)(?:npm|npx)(?:-cli\.js)?$/;

/** True when npm or npx started this process. */
export function startedByNpm(env: NodeJS.ProcessEnv): boolean {
  return env.npm_lifecycle_event !== undefined || env.npm_execpath !== undefined || /^npm\//.test(env.npm_config_user_agent ?? "");
}

interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22). */
  startTime: string;
}

/** Parent and start time from /proc/PID/stat; null without procfs, or once the process is gone (a zombie is). */
function readStat(pid: number): { ppid: number; startTime: string } | null {
  const stat = readProcStat(pid);
  return stat === null || stat.state === "Z" ? null : stat;
}

function isNpm(pid: number): boolean {
  try {
    // npm sets its process title ("npm start", "npm exec corral start …"), which overwrites argv[0] with it.
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.slice(0, 2).some((arg) => NPM_COMMAND.test(arg.split(" ")[0]!));
  } catch {
    return false;
  }
}

/** The npm process above this one, if procfs shows it. */
function findNpm(): ProcessId | null {
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const stat = readStat(pid);
    if (stat === null) return null;
    if (isNpm(pid)) return { pid, startTime: stat.startTime };
    pid = stat.ppid;
  }
  return null;
}

/** Calls `gone` once when the process that launched corral is no longer there; returns a stop function. */
export function watchLauncher(gone: (why: string) => void): () => void {
  const parent = process.ppid;
  const npm = findNpm();
  const timer = setInterval(() => {
    let why: string | null = null;
    if (process.ppid !== parent) why = `its parent (pid ${parent}) exited`;
    else if (npm !== null && readStat(npm.pid)?.startTime !== npm.startTime) why = `npm (pid ${npm.pid}) exited`;
    if (why === null) return;
    clearInterval(timer);
    gone(why);
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
