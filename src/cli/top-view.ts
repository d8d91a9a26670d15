/**
 * What `corral top` draws: pure functions from two successive snapshots to the
 * lines of one frame, so the text is testable without a terminal. Rates
 * (requests/s, latency percentiles over the last interval) come from the
 * difference between the snapshots, per process (a replaced worker starts over).
 */
import { LATENCY_BUCKETS_MS, type WorkerStats } from "../protocol.js";
import type { SupervisorSnapshot } from "../status.js";
import { formatBytes, formatUptime, listenAddress, table, workerState } from "./status-format.js";

export interface Rates {
  /** Requests/s over the interval; null without a previous sample of the same process. */
  rps: number | null;
  p50: number | null;
  p99: number | null;
}

const timeOf = (s: SupervisorSnapshot): number => s.startedAt + s.uptimeMs;

/** The q-quantile (0..1) in ms of per-bucket counts, interpolating inside the bucket (as histogram_quantile does). */
export function quantileMs(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (seen + count >= rank && count > 0) {
      if (i >= LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      return lower + (LATENCY_BUCKETS_MS[i]! - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}

function delta(now: WorkerStats, before: WorkerStats | null | undefined, seconds: number): Rates & { counts: number[] } {
  if (!before || seconds <= 0 || now.requests < before.requests) return { rps: null, p50: null, p99: null, counts: [] };
  const counts = now.latencyCounts.map((c, i) => Math.max(0, c - (before.latencyCounts[i] ?? 0)));
  return { rps: (now.requests - before.requests) / seconds, p50: quantileMs(counts, 0.5), p99: quantileMs(counts, 0.99), counts };
}

/** Per-process rates (keyed by pid) and the totals over every process. */
function computeRates(now: SupervisorSnapshot, before: SupervisorSnapshot | null): { perPid: Map<number, Rates>; total: Rates } {
  const seconds = before ? (timeOf(now) - timeOf(before)) / 1000 : 0;
  const previous = new Map((before?.workers ?? []).map((w) => [w.pid, w.stats]));
  const perPid = new Map<number, Rates>();
  let rps: number | null = null;
  const merged = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const w of now.workers) {
    if (!w.stats || w.pid === 0) continue;
    const d = delta(w.stats, previous.get(w.pid), seconds);
    perPid.set(w.pid, d);
    if (d.rps !== null) rps = (rps ?? 0) + d.rps;
    d.counts.forEach((c, i) => (merged[i]! += c));
  }
  return { perPid, total: { rps, p50: quantileMs(merged, 0.5), p99: quantileMs(merged, 0.99) } };
}

const ms = (v: number | null): string => (v === null ? "-" : v < 10 ? `${v.toFixed(1)}ms` : `${Math.round(v)}ms`);
const rate = (v: number | null): string => (v === null ? "-" : v < 10 ? v.toFixed(1) : String(Math.round(v)));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : `${Math.round(v)}%`);

/** One frame, fitted to `width` columns. */
export function renderFrame(now: SupervisorSnapshot, before: SupervisorSnapshot | null, width: number, notice = ""): string[] {
  const { perPid, total } = computeRates(now, before);
  const clock = new Date(timeOf(now)).toTimeString().slice(0, 8);
  const lines = [
    `corral top · ${now.name} · pid ${now.pid} · up ${formatUptime(now.uptimeMs)} · node ${now.node} · ${now.balance} · ${clock}`,
    `workers ${now.workersReady}/${now.workersDesired} ready · ${rate(total.rps)} req/s · p50 ${ms(total.p50)} · p99 ${ms(total.p99)} · ` +
      `reloads ${now.reloads} · queued ${now.queued} · dropped ${now.queueDropped} · primary ${formatBytes(now.primaryRss)}`,
    `listening ${listenAddress(now)}${now.admin ? ` · admin ${now.admin}` : ""}`,
  ];
  const alert = now.shuttingDown ? "SHUTTING DOWN: draining workers" : notice;
  if (alert) lines.push(alert);
  lines.push("");
  const header = ["ID", "PID", "STATE", "UPTIME", "RESTARTS", "CPU", "MEMORY", "HEAP", "LAG", "ELU", "CONNS", "INFLIGHT", "REQ/S", "P50", "P99"];
  const rows = now.workers.map((w) => {
    const s = w.stats;
    const r = perPid.get(w.pid);
    return [
      String(w.id), w.pid ? String(w.pid) : "-", workerState(w), w.pid ? formatUptime(w.uptimeMs) : "-", String(w.restarts),
      pct(w.cpuPercent), s ? formatBytes(s.rss) : "-", s ? formatBytes(s.heapUsed) : "-", s ? ms(s.lagMs) : "-",
      s ? pct(s.elu * 100) : "-", s ? String(s.connections) : "-", s ? String(s.inflight) : "-",
      rate(r?.rps ?? null), ms(r?.p50 ?? null), ms(r?.p99 ?? null),
    ];
  });
  lines.push(...table(header, rows, new Set([0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])).trimEnd().split("\n"));
  return lines.map((line) => (line.length > width ? line.slice(0, Math.max(0, width - 1)) + "…" : line));
}
