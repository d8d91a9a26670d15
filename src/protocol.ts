/**
 * The one message protocol between the primary and its workers.
 *
 * Messages carry `cmd: "NODE_CORRAL"`: node's child_process delivers any message
 * whose `cmd` starts with "NODE_" as an `internalMessage` event instead of
 * `message`, so the app's own `process.on("message")` never sees our traffic and
 * our traffic never sees the app's (the same trick node:cluster uses for NODE_CLUSTER).
 *
 * Every message from a worker is validated with `parseWorkerMessage` before the
 * primary acts on it: a worker can send anything, the primary must not crash.
 */
import { topicProblem } from "./message-limits.js";

export const CMD = "NODE_CORRAL";

export interface SockName {
  address: string;
  port: number;
  family: string;
}

/** Per-worker figures sent with each heartbeat. */
export interface WorkerStats {
  /** Event-loop lag (ms), max over the interval. */
  lagMs: number;
  /** Event-loop utilisation 0..1 over the interval. */
  elu: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Cumulative CPU time (seconds) of the worker process. */
  cpuSeconds: number;
  connections: number;
  inflight: number;
  /** Cumulative HTTP requests completed. */
  requests: number;
  /** Cumulative latency histogram: counts per bucket of LATENCY_BUCKETS_MS (+Inf last), and the sum in ms. */
  latencyCounts: number[];
  latencySumMs: number;
}

/** Upper bounds (ms) of the per-worker request latency histogram. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

// ---- worker → primary -------------------------------------------------------
export interface ListenRequest {
  cmd: typeof CMD;
  act: "listen";
  seq: number;
  key: string;
  address: string | null;
  port: number;
  addressType: number;
  backlog: number;
  ipv6Only: boolean;
}
export interface CloseNotice { cmd: typeof CMD; act: "close"; key: string }
export interface HandoffAck { cmd: typeof CMD; act: "ack"; seq: number; accepted: boolean; connections: number }
export interface LoadReport { cmd: typeof CMD; act: "load"; connections: number }
export interface ReadyNotice { cmd: typeof CMD; act: "ready" }
/** The worker drains on its own (SIGTERM sent to it): out of rotation before its servers close. */
export interface DrainingNotice { cmd: typeof CMD; act: "draining" }
export interface Heartbeat { cmd: typeof CMD; act: "heartbeat"; stats: WorkerStats }
export interface MetricsReply { cmd: typeof CMD; act: "metrics"; seq: number; metrics: unknown[] }
/** The loopback port SIGUSR1 opens the worker's inspector on (worker/inspector-port.ts). */
export interface InspectorPort { cmd: typeof CMD; act: "inspector"; port: number }
/** A diagnostic order is done: its file is written (or `error` says why not). */
export interface DiagnosticReply { cmd: typeof CMD; act: "diagnostic"; seq: number; error: string | null }
/** The app's worker.healthCheck() result, sent with each heartbeat while the app has one. */
export interface HealthReport { cmd: typeof CMD; act: "health"; ok: boolean; error: string | null }

/** worker.broadcast (to: null) or worker.send (to: a slot id); `json` is the data, serialised once by the sender. */
export interface TalkRequest { cmd: typeof CMD; act: "talk"; to: number | null; topic: string; json: string }
/** The worker registered worker.onLeader: it may be granted leadership. */
export interface LeaderCandidate { cmd: typeof CMD; act: "leader-candidate" }
/** The worker's leader `stop` callbacks have settled for this term. */
export interface LeaderStopped { cmd: typeof CMD; act: "leader-stopped"; term: number }

/** The worker runtime lacks a Node internal it relies on (primary/node-internals.ts): corral cannot run on this Node. */
export interface UnsupportedNode { cmd: typeof CMD; act: "unsupported"; internal: string }

export type WorkerMessage =
  | ListenRequest | CloseNotice | HandoffAck | LoadReport | ReadyNotice | DrainingNotice | Heartbeat | MetricsReply
  | InspectorPort | DiagnosticReply | HealthReport
  | TalkRequest | LeaderCandidate | LeaderStopped | UnsupportedNode;

// ---- primary → worker -------------------------------------------------------
export interface ListenReply { cmd: typeof CMD; act: "listening"; seq: number; error: string | null; sockname: SockName | null }
export interface Handoff { cmd: typeof CMD; act: "conn"; key: string; seq: number }
export interface DrainOrder { cmd: typeof CMD; act: "drain"; timeoutMs: number }
export interface MetricsRequest { cmd: typeof CMD; act: "metrics"; seq: number }
export type DiagnosticKind = "profile" | "report" | "heap-snapshot" | "inspector-close";
/** Write a diagnostic file at `path` (heap-snapshot: while draining, after the last request); reply with DiagnosticReply. */
export interface DiagnosticOrder { cmd: typeof CMD; act: "diagnostic"; seq: number; kind: DiagnosticKind; path: string; durationMs: number }

/** A relayed message; `from` is the sender's slot id, 0 for an operator's `corral send`. */
export interface TalkDelivery { cmd: typeof CMD; act: "talk"; from: number; topic: string; json: string }
/** Leadership granted (lead: true) or to be given up (lead: false, answered with leader-stopped). */
export interface LeaderOrder { cmd: typeof CMD; act: "leader"; term: number; lead: boolean }

export type PrimaryMessage = ListenReply | Handoff | DrainOrder | MetricsRequest | DiagnosticOrder | TalkDelivery | LeaderOrder;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => isInt(v) && (v as number) >= 0;
const isFiniteNonNegative = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isShortString = (v: unknown, max = 512): v is string => typeof v === "string" && v.length <= max;

const STAT_NUMBERS = ["lagMs", "elu", "rss", "heapUsed", "heapTotal", "cpuSeconds", "connections", "inflight", "requests", "latencySumMs"] as const;

function isStats(v: unknown): v is WorkerStats {
  if (!isObject(v)) return false;
  for (const k of STAT_NUMBERS) if (!isFiniteNonNegative(v[k])) return false;
  const counts = v.latencyCounts;
  return Array.isArray(counts) && counts.length === LATENCY_BUCKETS_MS.length + 1 && counts.every(isFiniteNonNegative);
}

/**
 * Returns the message if it is a well-formed corral message from a worker, else null.
 * Anything that is not ours (other `cmd`) is also null: the caller ignores it.
 */
export function parseWorkerMessage(raw: unknown): WorkerMessage | null {
  if (!isObject(raw) || raw.cmd !== CMD) return null;
  switch (raw.act) {
    case "listen":
      if (!isCount(raw.seq) || !isShortString(raw.key)) return null;
      if (!(raw.address === null || isShortString(raw.address, 256))) return null;
      if (!isInt(raw.port) || raw.port < 0 || raw.port > 65535) return null;
      if (!(raw.addressType === 4 || raw.addressType === 6 || raw.addressType === -1)) return null;
      if (!isInt(raw.backlog) || typeof raw.ipv6Only !== "boolean") return null;
      return raw as unknown as ListenRequest;
    case "close":
      return isShortString(raw.key) ? (raw as unknown as CloseNotice) : null;
    case "ack":
      return isCount(raw.seq) && typeof raw.accepted === "boolean" && isCount(raw.connections)
        ? (raw as unknown as HandoffAck)
        : null;
    case "load":
      return isCount(raw.connections) ? (raw as unknown as LoadReport) : null;
    case "ready":
      return raw as unknown as ReadyNotice;
    case "draining":
      return raw as unknown as DrainingNotice;
    case "heartbeat":
      return isStats(raw.stats) ? (raw as unknown as Heartbeat) : null;
    case "metrics":
      return isCount(raw.seq) && Array.isArray(raw.metrics) ? (raw as unknown as MetricsReply) : null;
    case "inspector":
      return isInt(raw.port) && raw.port > 0 && raw.port <= 65535 ? (raw as unknown as InspectorPort) : null;
    case "diagnostic":
      return isCount(raw.seq) && (raw.error === null || isShortString(raw.error, 4096)) ? (raw as unknown as DiagnosticReply) : null;
    case "health":
      return typeof raw.ok === "boolean" && (raw.error === null || isShortString(raw.error, 4096)) ? (raw as unknown as HealthReport) : null;
    // The JSON's length is not bounded here: the relay (primary/messaging.ts) counts what is over its limit.
    case "talk":
      if (!(raw.to === null || isCount(raw.to)) || typeof raw.json !== "string") return null;
      return topicProblem(raw.topic) === null ? (raw as unknown as TalkRequest) : null;
    case "leader-candidate":
      return raw as unknown as LeaderCandidate;
    case "leader-stopped":
      return isCount(raw.term) ? (raw as unknown as LeaderStopped) : null;
    case "unsupported":
      return isShortString(raw.internal, 200) ? (raw as unknown as UnsupportedNode) : null;
    default:
      return null;
  }
}

/** The acceptor key: one listening socket per (address, port, family, index), as node:cluster keys its handles. */
export function acceptorKey(address: string | null, port: number, addressType: number, index: number): string {
  return `${address ?? ""}:${port}:${addressType}:${index}`;
}
