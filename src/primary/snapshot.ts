/**
 * Builds the one snapshot every consumer reads (`corral status`, `/status`,
 * `/metrics`, the dashboard) from the supervisor's live records.
 */
import type { ResolvedOptions } from "../config/types.js";
import type { SockName } from "../protocol.js";
import type { DiagnosticsSnapshot, SupervisorSnapshot, WorkerSnapshot } from "../status.js";
import { VERSION } from "../version.js";
import type { ManagedWorker } from "./managed-worker.js";
import { activeSlots, countReady, type Slot } from "./slot.js";

export interface SnapshotSources {
  options: ResolvedOptions;
  startedAt: number;
  shuttingDown: boolean;
  reloads: number;
  adminUrl: string | null;
  acceptors: { handoffs: number; queued: number; dropped: number; listening: SockName[] };
  /** Every live worker process, replacements and draining ones included. */
  workers: Iterable<ManagedWorker>;
  slots: ReadonlyMap<number, Slot>;
  /** Output lines lost to a destination that did not keep up or failed. */
  logLinesDropped: number;
  diagnostics: DiagnosticsSnapshot;
}

export function buildSnapshot(from: SnapshotSources, now = Date.now()): SupervisorSnapshot {
  const workers: WorkerSnapshot[] = [];
  for (const worker of from.workers) {
    const slot = from.slots.get(worker.slotId);
    workers.push({
      id: worker.slotId,
      clusterId: worker.worker.id,
      pid: worker.pid,
      state: worker.state,
      slotState: slot?.worker === worker ? slot.state : "retired",
      uptimeMs: now - worker.forkedAt,
      restarts: slot?.restarts ?? 0,
      stats: worker.stats,
      cpuPercent: worker.cpuPercent,
      handoffs: worker.handoffs,
      pendingHandoffs: worker.pendingHandoffs,
      failedHealthChecks: worker.failedChecks ?? 0,
      healthError: worker.healthError ?? null,
    });
  }
  // A slot between processes (backoff, errored) still shows, with no process.
  for (const slot of from.slots.values()) {
    if (slot.worker !== null) continue;
    workers.push({
      id: slot.id, clusterId: 0, pid: 0, state: "stopped", slotState: slot.state, uptimeMs: 0,
      restarts: slot.restarts, stats: null, cpuPercent: null, handoffs: 0, pendingHandoffs: 0,
      failedHealthChecks: 0, healthError: null,
    });
  }
  workers.sort((a, b) => a.id - b.id || a.clusterId - b.clusterId);
  const cpu = process.cpuUsage();
  const { options, acceptors } = from;
  return {
    name: options.name,
    pid: process.pid,
    version: VERSION,
    node: process.versions.node,
    entry: options.entry,
    balance: options.balance,
    startedAt: from.startedAt,
    uptimeMs: now - from.startedAt,
    shuttingDown: from.shuttingDown,
    workersDesired: activeSlots(from.slots).length,
    workersReady: countReady(from.slots),
    reloads: from.reloads,
    handoffs: acceptors.handoffs,
    queued: acceptors.queued,
    queueDropped: acceptors.dropped,
    listening: acceptors.listening,
    admin: from.adminUrl,
    logLinesDropped: from.logLinesDropped,
    diagnostics: from.diagnostics,
    primaryRss: process.memoryUsage.rss(),
    primaryCpuSeconds: (cpu.user + cpu.system) / 1e6,
    workers,
  };
}
