/**
 * Human-readable `corral status`: a list of supervisors, or one supervisor's
 * workers as a table. Pure functions of the snapshot, so the text is testable
 * without a running supervisor.
 */
import type { SupervisorSnapshot, WorkerSnapshot } from "../status.js";

export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Left-aligned columns, two spaces apart; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** The state to show for a worker row (also in `corral top`). */
export function workerState(w: WorkerSnapshot): string {
  if (w.pid === 0) return w.slotState; // a slot waiting to restart, or given up on
  if (w.slotState === "retired" && w.state !== "draining") return "retiring";
  return w.state;
}

export function listenAddress(s: SupervisorSnapshot): string {
  return s.listening.map((l) => (l.family === "IPv6" ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`)).join(", ") || "-";
}

/** Overload, and the last hung worker's innermost frame (absent in a snapshot from an older corral). */
function diagnosticsLines(s: SupervisorSnapshot): string {
  const d = s.diagnostics;
  if (!d) return "";
  let text = d.overload ? `  ${d.overload}\n` : "";
  if (d.lastHang) {
    const where = d.lastHang.stack?.[0] ? `in ${d.lastHang.stack[0]}` : (d.lastHang.stackError ?? "");
    text += `  last hang: worker ${d.lastHang.id} (pid ${d.lastHang.pid}) at ${new Date(d.lastHang.at).toISOString()}, ${where}\n`;
  }
  return text;
}

/** One supervisor: a summary line, then a row per worker process. */
export function formatSupervisor(s: SupervisorSnapshot): string {
  const summary =
    `${s.name}: pid ${s.pid}, up ${formatUptime(s.uptimeMs)}, ${s.workersReady}/${s.workersDesired} workers ready, ` +
    `${s.balance}, ${s.reloads} reload${s.reloads === 1 ? "" : "s"}, listening ${listenAddress(s)}` +
    (s.shuttingDown ? ", SHUTTING DOWN" : "") +
    // Absent in a snapshot from a corral older than the field.
    (s.logLinesDropped > 0 ? `, ${s.logLinesDropped} log lines dropped (--log-buffer)` : "") +
    `\n  entry ${s.entry} (node ${s.node}, corral ${s.version})\n` +
    diagnosticsLines(s) +
    "\n";
  const rows = s.workers.map((w) => [
    String(w.id),
    w.pid ? String(w.pid) : "-",
    workerState(w) + (s.leader && w.pid === s.leader.pid ? (s.leader.stopping ? " (leader, stopping)" : " (leader)") : "") +
      (w.failedHealthChecks > 0 ? ` (unhealthy ×${w.failedHealthChecks})` : ""),
    w.pid ? formatUptime(w.uptimeMs) : "-",
    String(w.restarts),
    w.cpuPercent === null || w.cpuPercent === undefined ? "-" : `${w.cpuPercent.toFixed(0)}%`,
    w.stats ? formatBytes(w.stats.rss) : "-",
    w.stats ? String(w.stats.connections) : "-",
    w.stats ? String(w.stats.requests) : "-",
  ]);
  const header = ["ID", "PID", "STATE", "UPTIME", "RESTARTS", "CPU", "MEMORY", "CONNS", "REQUESTS"];
  return summary + table(header, rows, new Set([0, 1, 4, 5, 6, 7, 8]));
}

/** Every running supervisor of this user, one line each. */
export function formatSupervisorList(list: readonly SupervisorSnapshot[]): string {
  if (list.length === 0) return "no corral is running\n";
  const rows = list.map((s) => [
    s.name,
    String(s.pid),
    `${s.workersReady}/${s.workersDesired}`,
    formatUptime(s.uptimeMs),
    String(s.reloads),
    listenAddress(s),
    s.shuttingDown ? "shutting down" : "running",
    s.entry,
  ]);
  return table(["NAME", "PID", "READY", "UPTIME", "RELOADS", "LISTENING", "STATE", "ENTRY"], rows, new Set([1, 4]));
}
