// Pure computations for the dashboard: rates from cumulative counters, latency
// percentiles from histogram deltas, and number formatting. No DOM access, so
// this module can also be imported by Node for tests.

/** Upper bounds (ms) of the worker latency histogram; mirrors LATENCY_BUCKETS_MS in src/protocol.ts (+Inf last). */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The snapshot's own clock: when the primary produced it (epoch ms). */
export const snapshotTime = (snap) => snap.startedAt + snap.uptimeMs;

/** Counter delta that tolerates resets: a counter that went down restarted from 0. */
export const counterDelta = (now, before) => (now >= before ? now - before : now);

/**
 * Estimates the q-quantile (0..1) from per-bucket counts by linear interpolation
 * inside the bucket that holds the rank (as Prometheus' histogram_quantile does).
 * Returns null for an empty histogram; a rank in the +Inf bucket returns the last bound.
 */
export function quantile(counts, q, bounds = LATENCY_BUCKETS_MS) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0 && seen + c >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lo = i === 0 ? 0 : bounds[i - 1];
      return lo + (bounds[i] - lo) * ((rank - seen) / c);
    }
    seen += c;
  }
  return bounds[bounds.length - 1];
}

const statsKey = (s) => `${s.cpuSeconds}|${s.requests}|${s.rss}|${s.heapUsed}|${s.elu}|${s.lagMs}`;
/** One key per worker process: a restarted slot is a new process with fresh counters. */
export const processKey = (w) => `${w.clusterId ?? `s${w.id}`}:${w.pid}`;
const serving = (w) => w.slotState === "running" && w.state !== "stopped";

/**
 * Turns a stream of cumulative snapshots into rates.
 *
 * Worker figures come from heartbeats, whose timer is not in step with the
 * snapshot timer: a snapshot may repeat the previous heartbeat, and the next
 * one then carries two intervals' worth. So each worker process is measured
 * from one *new* heartbeat to the next, and the totals sum each one's latest rate.
 * A process seen for the first time (a restart, a scale-up) counts its whole
 * counters as the delta; so does one whose counters went down.
 */
export class RateTracker {
  constructor() {
    this.procs = new Map(); // processKey -> { key, t, stats, rate }
    this.lastT = null;
    this.primary = null; // { t, cpu }
  }

  /** Feeds one snapshot; returns { t, reqRate, cpuPct, p50, p99, primaryCpuPct, perWorker: Map<processKey, {reqRate, cpuPct}> }. */
  update(snap) {
    const t = snapshotTime(snap);
    const sinceLast = this.lastT == null ? 0 : (t - this.lastT) / 1000;
    const seen = new Set();
    for (const w of snap.workers) {
      const pk = processKey(w);
      seen.add(pk);
      const s = w.stats;
      if (!s) continue;
      const prev = this.procs.get(pk);
      const key = statsKey(s);
      if (prev && prev.key === key) continue; // same heartbeat as last time
      let rate = null;
      if (prev) {
        const dt = (t - prev.t) / 1000;
        if (dt <= 0) continue;
        const reset = s.requests < prev.stats.requests || s.cpuSeconds < prev.stats.cpuSeconds;
        rate = rateOf(s, reset ? null : prev.stats, dt);
      } else if (sinceLast > 0) {
        // New since the previous snapshot: everything it counted happened in that interval (or its life).
        rate = rateOf(s, null, Math.min(sinceLast, Math.max(w.uptimeMs, 1) / 1000));
      }
      this.procs.set(pk, { key, t, stats: s, rate });
    }
    for (const pk of this.procs.keys()) if (!seen.has(pk)) this.procs.delete(pk);
    this.lastT = t;
    // The primary's own figures are read when the snapshot is made: a plain delta.
    let primaryCpuPct = null;
    const p = this.primary;
    if (p && t > p.t) primaryCpuPct = (counterDelta(snap.primaryCpuSeconds, p.cpu) / ((t - p.t) / 1000)) * 100;
    if (!p || t > p.t) this.primary = { t, cpu: snap.primaryCpuSeconds };
    return { ...this.totals(t, snap), primaryCpuPct };
  }

  totals(t, snap) {
    const perWorker = new Map();
    const hist = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    let reqRate = null;
    let cpuPct = null;
    for (const w of snap.workers) {
      const rate = this.procs.get(processKey(w))?.rate;
      // A stopped or backing-off slot serves nothing: do not keep its last rate alive.
      if (!rate || !serving(w)) continue;
      perWorker.set(processKey(w), rate);
      reqRate = (reqRate ?? 0) + rate.reqRate;
      cpuPct = (cpuPct ?? 0) + rate.cpuPct;
      rate.hist.forEach((c, i) => (hist[i] += c));
    }
    return { t, reqRate, cpuPct, p50: quantile(hist, 0.5), p99: quantile(hist, 0.99), perWorker };
  }
}

function rateOf(s, base, dt) {
  const d = (now, before) => (base ? counterDelta(now, before) : now);
  return {
    reqRate: d(s.requests, base?.requests) / dt,
    cpuPct: (d(s.cpuSeconds, base?.cpuSeconds) / dt) * 100,
    hist: s.latencyCounts.map((c, i) => d(c, base?.latencyCounts[i] ?? 0)),
  };
}

// ---- formatting ---------------------------------------------------------------

const nf = (digits) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
const NF = [nf(0), nf(1), nf(2)];
const DASH = "—";

export function fmtBytes(n) {
  if (n == null || !Number.isFinite(n)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${NF[n >= 100 || i === 0 ? 0 : 1].format(n)} ${units[i]}`;
}

export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return DASH;
  if (ms >= 1000) return `${NF[ms >= 10000 ? 0 : 1].format(ms / 1000)} s`;
  return `${NF[ms >= 100 ? 0 : ms >= 10 ? 1 : 2].format(ms)} ms`;
}

export function fmtDuration(ms) {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (v) => String(v).padStart(2, "0");
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s}s`;
}

export function fmtRate(r) {
  if (r == null || !Number.isFinite(r)) return DASH;
  if (r >= 1e6) return `${NF[1].format(r / 1e6)}M`;
  if (r >= 1e4) return `${NF[1].format(r / 1e3)}k`;
  return NF[r >= 100 ? 0 : 1].format(r);
}

export const fmtPct = (p) => (p == null || !Number.isFinite(p) ? DASH : `${NF[p >= 100 ? 0 : 1].format(p)}%`);
export const fmtInt = (n) => (n == null || !Number.isFinite(n) ? DASH : NF[0].format(n));

export function fmtClock(epochMs) {
  const d = new Date(epochMs);
  return d.toLocaleTimeString(undefined, { hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fmtAddress({ address, port, family }) {
  const host = family === "IPv6" || String(family) === "6" ? `[${address}]` : address;
  return port == null || port === -1 ? address : `${host}:${port}`;
}
