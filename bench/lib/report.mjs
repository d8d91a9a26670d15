// Turns the measurements into bench/results/<date>.md (tables of medians, ratios) and a
// hand-written SVG bar chart, one panel per workload.

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

/**
 * a ÷ b as the median over rounds of each round's ratio. The contenders of a round run back to
 * back, so a round's ratio cancels what drifts between rounds (other load, thermal, placement).
 */
function pairedRatio(a, b) {
  if (!a || !b) return NaN;
  const n = Math.min(a.rounds.length, b.rounds.length);
  return median(Array.from({ length: n }, (_, i) => ratio(a.rounds[i], b.rounds[i])));
}

/** Medians per (workload, contender) from the rounds. */
export function summarize(results, workloads, contenders) {
  const table = {};
  for (const w of workloads) {
    table[w.id] = {};
    for (const c of contenders) {
      const rounds = results[w.id]?.[c.id] ?? [];
      if (rounds.length === 0) continue;
      table[w.id][c.id] = {
        reqPerSec: median(rounds.map((r) => r.reqPerSec)),
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
        primaryCpuPct: median(rounds.map((r) => r.primaryCpuPct)),
        clientCpuPct: median(rounds.map((r) => r.clientCpuPct)),
        errors: rounds.reduce((n, r) => n + r.errors, 0),
        rounds: rounds.map((r) => r.reqPerSec),
      };
    }
  }
  return table;
}

const TARGETS = [
  { what: "corral round-robin ÷ node:cluster, keep-alive", workload: "keep-alive", a: "corral-rr", b: "cluster", min: 0.97 },
  { what: "corral round-robin ÷ node:cluster, connection per request", workload: "conn-per-request", a: "corral-rr", b: "cluster", min: 0.95 },
  { what: "corral round-robin ÷ single process, CPU-bound", workload: "cpu", a: "corral-rr", b: "single", min: 1.8 },
  { what: "corral round-robin ÷ PM2, CPU-bound", workload: "cpu", a: "corral-rr", b: "pm2", min: 1.3 },
];

export function markdown(table, { workloads, contenders, machine, settings, date }) {
  const lines = [`# corral benchmark, ${date}`, ""];
  lines.push(`- Machine: ${machine.cores} × ${machine.cpu}, ${machine.memGb} GB RAM, ${machine.os}`);
  lines.push(`- Node ${machine.node} for every contender (${machine.nodePath}); ${settings.workers} workers each (single: 1 process)`);
  lines.push(`- ${settings.rounds} round${settings.rounds === 1 ? "" : "s"} × ${settings.durationS} s per workload (after ${settings.warmupS} s of warm-up), contenders started afresh each round, in alternating order; req/s, latency and CPU are medians over rounds, ratios are medians of the rounds' ratios`);
  lines.push(`- Load generator on the same machine, competing for its ${machine.cores} cores (its CPU use is in the tables): ` +
    `${machine.keepAliveClient} for keep-alive workloads, bench/lib/cpr-client.mjs in ${settings.clientProcs} processes for connection-per-request; ` +
    `clients connect from ${settings.sourceAddresses} loopback addresses (127.0.0.1–${settings.sourceAddresses})`);
  lines.push(`- /cpu costs ${fmt(machine.cpuRouteMs, 1)} ms of CPU on this machine (idle, measured before the run); /slow ten times that`);
  lines.push("");
  lines.push("## Targets", "", "| | measured | target | |", "|---|---:|---:|---|");
  for (const t of TARGETS) {
    const r = pairedRatio(table[t.workload]?.[t.a], table[t.workload]?.[t.b]);
    lines.push(`| ${t.what} | ${Number.isFinite(r) ? `${fmt(r, 2)} ×` : "not measured"} | ≥ ${t.min} × | ${Number.isFinite(r) ? (r >= t.min ? "✅" : "❌") : ""} |`);
  }
  lines.push("");
  for (const w of workloads) {
    const rows = table[w.id];
    if (!rows || Object.keys(rows).length === 0) continue;
    lines.push(`## ${w.label}`, "");
    lines.push("| contender | req/s | p50 ms | p99 ms | × node:cluster | × single | × PM2 | primary CPU | load-gen CPU | errors |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const c of contenders) {
      const r = rows[c.id];
      if (!r) continue;
      const x = (other) => fmt(pairedRatio(r, rows[other]), 2);
      lines.push(`| ${c.label} | ${fmt(r.reqPerSec)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${x("cluster")} | ${x("single")} | ${x("pm2")} | ${fmt(r.primaryCpuPct)} % | ${fmt(r.clientCpuPct)} % | ${r.errors} |`);
    }
    lines.push("");
  }
  lines.push("## Every round (req/s)", "", "| workload | contender | rounds |", "|---|---|---|");
  for (const w of workloads) {
    for (const c of contenders) {
      const r = table[w.id]?.[c.id];
      if (r) lines.push(`| ${w.id} | ${c.id} | ${r.rounds.map((x) => fmt(x)).join(" · ")} |`);
    }
  }
  lines.push("", "CPU columns: % of one core over the measurement. \"primary\" is the process that owns the listening socket " +
    "(node:cluster's primary, PM2's God daemon, corral's supervisor; with corral os the kernel balances and the primary only supervises).", "");
  return lines.join("\n");
}

const escape = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const color = (c) => (c.kind === "corral" ? "#2f7d5b" : c.kind === "pm2" ? "#c0782b" : c.kind === "cluster" ? "#4a6fa5" : "#8a8f98");

export function svg(table, { workloads, contenders, title }) {
  const width = 760, labelW = 200, valueW = 90, barMax = width - labelW - valueW - 20, barH = 16, gap = 5;
  let y = 56;
  const parts = [];
  for (const w of workloads) {
    const rows = contenders.filter((c) => table[w.id]?.[c.id]);
    if (rows.length === 0) continue;
    const max = Math.max(...rows.map((c) => table[w.id][c.id].reqPerSec));
    parts.push(`<text x="10" y="${y}" class="h">${escape(w.label)}</text>`);
    y += 10;
    for (const c of rows) {
      const v = table[w.id][c.id].reqPerSec;
      const len = max > 0 ? Math.max(1, (v / max) * barMax) : 1;
      parts.push(`<text x="${labelW - 8}" y="${y + barH - 4}" class="l">${escape(c.label)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y}" width="${len.toFixed(1)}" height="${barH}" rx="2" fill="${color(c)}"/>`);
      parts.push(`<text x="${(labelW + len + 6).toFixed(1)}" y="${y + barH - 4}" class="v">${escape(fmt(v))} req/s</text>`);
      y += barH + gap;
    }
    y += 24;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.t{font-size:15px;font-weight:600;fill:#222}.h{font-size:13px;font-weight:600;fill:#333}.l{font-size:12px;fill:#333;text-anchor:end}.v{font-size:11px;fill:#444}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="t">${escape(title)}</text>
${parts.join("\n")}
</svg>
`;
}
