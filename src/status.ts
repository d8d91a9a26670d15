/**
 * The shape of `corral status --json`, `GET /status` and the dashboard's data.
 * One snapshot type for every consumer, so the CLI table, the dashboard and the
 * metrics all read the same figures.
 */
import type { BalanceStrategy } from "./config/types.js";
import type { WorkerStats } from "./protocol.js";
import type { LeaderView } from "./primary/leader.js";
import type { MessageCounts } from "./primary/messaging.js";

export type WorkerState = "starting" | "ready" | "draining" | "stopped";
export type SlotState = "running" | "backoff" | "errored" | "retired";

export interface WorkerSnapshot {
  /** Slot id, 1..N: stable across restarts of that slot. */
  id: number;
  /** node:cluster worker id (unique per process ever forked). */
  clusterId: number;
  pid: number;
  state: WorkerState;
  slotState: SlotState;
  /** ms since the worker was forked. */
  uptimeMs: number;
  restarts: number;
  /** Latest heartbeat figures, null before the first heartbeat. */
  stats: WorkerStats | null;
  /** CPU use over the last heartbeat interval, in % of one core (null before two heartbeats). */
  cpuPercent: number | null;
  /** Connections handed off to this worker since it started. */
  handoffs: number;
  /** Hand-offs the worker has not acknowledged yet (the primary still holds their handles). */
  pendingHandoffs: number;
  /** The app's health checks (worker.healthCheck) failed in a row, and the last one's error. */
  failedHealthChecks: number;
  healthError: string | null;
}

export interface SupervisorSnapshot {
  name: string;
  pid: number;
  version: string;
  node: string;
  entry: string;
  balance: BalanceStrategy;
  startedAt: number;
  uptimeMs: number;
  shuttingDown: boolean;
  workersDesired: number;
  workersReady: number;
  reloads: number;
  /** Connections handed off, per strategy. */
  handoffs: number;
  /** Connections waiting in the primary for a worker, and how many were dropped after queue-timeout/max-queue. */
  queued: number;
  queueDropped: number;
  listening: Array<{ address: string; port: number; family: string }>;
  admin: string | null;
  /** Output lines dropped because stdout, stderr or a log file did not keep up (or failed); see --log-buffer. */
  logLinesDropped: number;
  /** Hung workers' stacks and health checks (primary/diagnostics/). */
  diagnostics: DiagnosticsSnapshot;
  primaryRss: number;
  primaryCpuSeconds: number;
  workers: WorkerSnapshot[];
  /** The worker granted leadership (worker.onLeader), null when none is; see primary/talk.ts. */
  leader?: LeaderView | null;
  /** Messages relayed between workers (worker.broadcast/send, corral send, socket.io), and dropped by reason. */
  messages?: MessageCounts & { socketIoRelayed: number };
}

/** The stack of the last worker judged hung, taken before it was killed. */
export interface HangCapture {
  /** Epoch ms. */
  at: number;
  id: number;
  pid: number;
  reason: string;
  /** "fn (file:line:column)" per frame, innermost first; null when none could be taken. */
  stack: string[] | null;
  /** "no stack: …" when `stack` is null. */
  stackError: string | null;
}

export interface DiagnosticsSnapshot {
  lastHang: HangCapture | null;
  /** Hung workers whose stack was taken, and those that showed none. */
  hangStacks: number;
  hangStacksMissed: number;
  /** "overload: …" while every ready worker fails the app's health check (none is replaced then), else null. */
  overload: string | null;
}

/** What started a rolling reload: corral reload, SIGHUP, POST /reload or the API (operator), --restart-cron, --watch. */
export type ReloadCause = "operator" | "cron" | "watch";

/** Events the supervisor emits (Corral is an EventEmitter) and streams on /events. */
export interface CorralEvents {
  "worker-fork": { id: number; pid: number };
  "worker-ready": { id: number; pid: number; startMs: number };
  "worker-exit": { id: number; pid: number; code: number | null; signal: string | null; expected: boolean };
  "worker-restart": { id: number; delayMs: number };
  "worker-errored": { id: number; lastStderr: string[] };
  /** `stack`: "fn (file:line:column)" per frame, innermost first, or null and `stackError` says why ("no stack: …"). */
  "worker-hung": { id: number; pid: number; silentMs: number; stack: string[] | null; stackError: string | null };
  "worker-unhealthy": { id: number; pid: number; failedChecks: number; error: string | null };
  "worker-memory": { id: number; pid: number; rss: number; limit: number };
  /**
   * --max-requests or --max-age: a worker served its share or lived its time and is replaced as a reload
   * replaces it. `requests` (its last heartbeat's count) and `ageMs` are its figures; `limit` is its own,
   * drawn at fork with the jitter: requests for max-requests, ms for max-age.
   */
  "worker-recycled": { id: number; pid: number; reason: "max-requests" | "max-age"; requests: number; ageMs: number; limit: number };
  /** `cause`: what asked for it (ReloadCause). */
  "reload-start": { workers: number; cause: ReloadCause };
  "reload-done": { ms: number };
  "reload-failed": { reason: string };
  "scale": { from: number; to: number };
  "shutdown": { reason: string };
  /** Every worker has exited; the supervisor is done. */
  "stopped": Record<string, never>;
}
export type CorralEventName = keyof CorralEvents;
