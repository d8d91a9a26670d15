/**
 * /proc/PID/stat, read one way for every part of corral that asks the kernel
 * about a process: the name lock (is its holder the process that wrote it?),
 * the npm launcher watch (parent, and is npm still the same process?) and the
 * hang diagnosis (is the worker stopped?). Linux only: null elsewhere, or once
 * the process is gone.
 */
import { readFileSync } from "node:fs";

export interface ProcStat {
  /** One letter: R running, S sleeping, D uninterruptible, T/t stopped, Z zombie, … */
  state: string;
  ppid: number;
  /** Clock ticks since boot when it started (field 22): with the pid, it names one process, not a recycled pid. */
  startTime: string;
}

export function readProcStat(pid: number): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields.length < 20 || !fields[0]) return null;
  return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19]! };
}
