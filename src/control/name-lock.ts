/**
 * One supervisor per name: `<home>/<name>.lock`, created with O_EXCL and holding
 * the owner's pid and process start time, for as long as the supervisor runs.
 *
 * The socket alone cannot do this. Two supervisors starting at the same moment
 * both find a stale socket file, both remove it, and the second removes the first
 * one's fresh socket: two supervisors, one unreachable. With the lock, only its
 * holder touches the socket path. A lock left by a supervisor that died (SIGKILL,
 * OOM) names a process that is gone (or a reused pid with another start time); it
 * is taken over by moving it aside first (rename is atomic: of two takers, one
 * gets it), and what was moved is checked again, so a fresh lock moved by mistake
 * goes back. Node has no flock(); this is the same guarantee without it.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { readProcStat } from "../proc-stat.js";

interface Holder {
  pid: number;
  /** Start time from /proc/PID/stat (clock ticks since boot); null where there is no procfs. */
  start: string | null;
}

export interface NameLock {
  release(): void;
}

/** An empty lock is one being written (open, then write): give its writer this long. */
const WRITING_GRACE_MS = 2_000;

/** The lock, or the pid of the live supervisor that holds it. */
export function acquireNameLock(home: string, name: string): NameLock | { heldBy: number } {
  const file = lockPath(home, name);
  const me = self();
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      try {
        writeSync(fd, `${me.pid} ${me.start ?? "-"}\n`);
      } finally {
        closeSync(fd);
      }
      return { release: () => releaseIfMine(file, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(file);
    if (holder === "gone") continue;
    if (holder === "writing") return { heldBy: 0 };
    if (isRunning(holder)) return { heldBy: holder.pid };
    // Stale: move it aside, so that of two supervisors taking it over only one does.
    const aside = `${file}.${me.pid}.stale`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readHolder(aside);
    if (moved !== "gone" && (moved === "writing" || isRunning(moved))) {
      // We moved a lock taken a moment ago: put it back (link fails if yet another one is there).
      try {
        linkSync(aside, file);
      } catch {
        // a newer lock stands; it decides
      }
      safeUnlink(aside);
      return { heldBy: moved === "writing" ? 0 : moved.pid };
    }
    safeUnlink(aside);
  }
  return { heldBy: 0 };
}

/** The pid of a live process holding the name's lock, or null (no lock, or a stale one). */
export function lockHolder(home: string, name: string): number | null {
  const holder = readHolder(lockPath(home, name));
  if (holder === "gone") return null;
  if (holder === "writing") return 0;
  return isRunning(holder) ? holder.pid : null;
}

function lockPath(home: string, name: string): string {
  return join(home, `${name}.lock`);
}

function readHolder(file: string): Holder | "gone" | "writing" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return "gone";
  }
  const match = /^(\d+) (\S+)\n/.exec(text);
  if (match) return { pid: Number(match[1]), start: match[2] === "-" ? null : match[2]! };
  try {
    if (Date.now() - statSync(file).mtimeMs < WRITING_GRACE_MS) return "writing";
  } catch {
    return "gone";
  }
  return { pid: 0, start: null }; // garbage, and old: stale
}

function isRunning(holder: Holder): boolean {
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A pid is reused after its process is gone: the start time tells the two apart.
  const start = startTime(holder.pid);
  return holder.start === null || start === null || start === holder.start;
}

function self(): Holder {
  return { pid: process.pid, start: startTime(process.pid) };
}

/** Its start time (/proc/PID/stat), null where there is no procfs. */
function startTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

function releaseIfMine(file: string, me: Holder): void {
  const holder = readHolder(file);
  if (typeof holder === "object" && holder.pid === me.pid && holder.start === me.start) safeUnlink(file);
}

function safeUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
