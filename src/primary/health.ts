/**
 * When a worker must go for its health: hung (no heartbeat for longer than
 * --hang-timeout) or over --max-memory. Pure functions over the worker's
 * record: the supervisor feeds them facts and does the killing, replacing and
 * reporting.
 */
import { formatMegabytes } from "../config/values.js";
import type { WorkerState } from "../status.js";

/** The parts of a worker's record the checks read (a ManagedWorker, or a plain object in tests). */
export interface HealthFacts {
  readonly state: WorkerState;
  /** Set once we decided to kill the worker: it is not judged twice. */
  readonly killReason: string | null;
  /** On the monotonic clock (performance.now()). */
  readonly lastHeartbeatAt: number;
  /** The last heartbeat's figures; null until the first one arrived. */
  readonly stats: { readonly rss: number } | null;
}

export interface HangVerdict {
  reason: string;
  silentMs: number;
}

export interface MemoryVerdict {
  reason: string;
  rss: number;
  limit: number;
}

/**
 * A ready worker silent for longer than --hang-timeout is hung; null otherwise. Times are on the
 * monotonic clock (watchdog.ts); silence before `heardSince` (the primary was not running) does not count.
 */
export function hangVerdict(worker: HealthFacts, hangTimeoutMs: number, now: number, heardSince = -Infinity): HangVerdict | null {
  if (worker.state !== "ready" || worker.killReason) return null;
  const silentMs = Math.round(now - Math.max(worker.lastHeartbeatAt, heardSince));
  if (silentMs <= hangTimeoutMs) return null;
  return { silentMs, reason: `hung: no heartbeat for ${silentMs} ms (--hang-timeout ${hangTimeoutMs} ms)` };
}

/** A ready worker whose last reported RSS is over `limit` (--max-memory; 0 is no limit) must be replaced; null otherwise. */
export function memoryVerdict(worker: HealthFacts, limit: number): MemoryVerdict | null {
  if (limit <= 0 || worker.state !== "ready" || worker.killReason || !worker.stats || worker.stats.rss <= limit) return null;
  const rss = worker.stats.rss;
  return { rss, limit, reason: `over --max-memory (rss ${formatMegabytes(rss)} > ${formatMegabytes(limit)})` };
}
