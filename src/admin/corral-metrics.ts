/**
 * corral's own series, computed from one supervisor snapshot per scrape.
 *
 * Per-worker series carry `worker` = the slot id (1..N), which survives
 * restarts and reloads; the pid is a value, not a label, so a replacement does
 * not make a new series. During a reload a slot briefly runs two processes
 * (the new one starting, the old one draining): gauges are summed over them
 * (lag and ELU: the worse one), counters come from the supervisor's slot
 * counters (primary/slot-counters.ts) and never go backwards.
 */
import { LATENCY_BUCKETS_MS } from "../protocol.js";
import type { SupervisorSnapshot, WorkerSnapshot } from "../status.js";
import type { SlotTotals } from "./supervisor.js";

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  /** For histograms: name_bucket, name_sum, name_count. */
  metricName?: string;
}

export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  values: Sample[];
}

/** Every state a slot can be seen in, so `corral_worker_state` is a complete state set. */
const SLOT_STATES = ["starting", "ready", "draining", "backoff", "errored", "stopped"] as const;
type SlotStateLabel = (typeof SLOT_STATES)[number];

interface SlotView {
  id: number;
  /** The process that is the slot's worker (or a placeholder with pid 0 while it has none). */
  main: WorkerSnapshot;
  processes: WorkerSnapshot[];
}

function slotsOf(snapshot: SupervisorSnapshot): SlotView[] {
  const byId = new Map<number, WorkerSnapshot[]>();
  for (const w of snapshot.workers) {
    const list = byId.get(w.id);
    if (list) list.push(w);
    else byId.set(w.id, [w]);
  }
  return [...byId.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, all]) => {
      const processes = all.filter((w) => w.pid > 0);
      // The slot's own worker; a slot being retired only has its draining one; else the newest.
      const main = all.find((w) => w.slotState !== "retired") ?? all.reduce((a, b) => (b.clusterId > a.clusterId ? b : a));
      return { id, main, processes };
    });
}

function stateOf(slot: SlotView): SlotStateLabel {
  const main = slot.main;
  if (main.pid === 0) return main.slotState === "backoff" || main.slotState === "errored" ? main.slotState : "stopped";
  if (main.slotState === "retired" && main.state !== "stopped") return "draining";
  return main.state;
}

const sumOf = (slot: SlotView, pick: (w: WorkerSnapshot) => number | undefined): number =>
  slot.processes.reduce((total, w) => total + (w.stats ? (pick(w) ?? 0) : 0), 0);
const maxOf = (slot: SlotView, pick: (w: WorkerSnapshot) => number): number =>
  slot.processes.reduce((most, w) => Math.max(most, w.stats ? pick(w) : 0), 0);

export function corralFamilies(snapshot: SupervisorSnapshot, counters: { totals(slotId: number): SlotTotals }): Family[] {
  const slots = slotsOf(snapshot);
  const families: Family[] = [];
  const gauge = (name: string, help: string, value: number, labels: Sample["labels"] = {}): void => {
    families.push({ name, help, type: "gauge", values: [{ labels, value }] });
  };
  const counter = (name: string, help: string, value: number, labels: Sample["labels"] = {}): void => {
    families.push({ name, help, type: "counter", values: [{ labels, value }] });
  };
  const perSlot = (name: string, help: string, type: "gauge" | "counter", value: (slot: SlotView) => number): void => {
    families.push({ name, help, type, values: slots.map((slot) => ({ labels: { worker: slot.id }, value: value(slot) })) });
  };

  // ---- supervisor
  gauge("corral_info", "corral supervisor information (always 1).", 1, {
    name: snapshot.name, version: snapshot.version, node: snapshot.node, balance: snapshot.balance,
  });
  gauge("corral_start_time_seconds", "When the supervisor started, seconds since the Unix epoch.", snapshot.startedAt / 1000);
  gauge("corral_shutting_down", "1 once the supervisor is draining its workers to stop.", snapshot.shuttingDown ? 1 : 0);
  gauge("corral_workers_desired", "Workers the supervisor is asked to run.", snapshot.workersDesired);
  gauge("corral_workers_ready", "Worker slots whose current worker is ready.", snapshot.workersReady);
  counter("corral_reloads_total", "Rolling reloads completed.", snapshot.reloads);
  counter("corral_handoffs_total", "Connections handed from the primary to a worker, by balancing strategy.", snapshot.handoffs, { strategy: snapshot.balance });
  gauge("corral_queued_connections", "Connections waiting in the primary for a ready worker.", snapshot.queued);
  counter("corral_dropped_connections_total", "Connections closed after waiting too long, or with the queue full.", snapshot.queueDropped);
  counter("corral_log_lines_dropped_total", "Output lines dropped because stdout, stderr or a log file did not keep up, or failed.", snapshot.logLinesDropped);
  if (snapshot.messages) messageFamilies(snapshot, families);
  const diagnostics = snapshot.diagnostics;
  if (diagnostics) {
    gauge("corral_overload", "1 while every ready worker fails the app's health check (overload: none is replaced).", diagnostics.overload ? 1 : 0);
    counter("corral_hang_stacks_total", "Hung workers whose JavaScript stack was taken before they were killed.", diagnostics.hangStacks);
    counter("corral_hang_stacks_missed_total", "Hung workers that showed no stack (stopped, stuck in native code).", diagnostics.hangStacksMissed);
    gauge("corral_last_hang_stack_time_seconds", "When the last hung worker's stack was taken (or found missing), seconds since the Unix epoch; 0 before any.", (diagnostics.lastHang?.at ?? 0) / 1000);
  }
  gauge("corral_primary_resident_memory_bytes", "Resident memory of the supervisor process.", snapshot.primaryRss);
  counter("corral_primary_cpu_seconds_total", "CPU time (user + system) of the supervisor process.", snapshot.primaryCpuSeconds);

  // ---- per worker slot
  perSlot("corral_worker_up", "1 when the slot's worker is ready to take connections.", "gauge", (s) => (stateOf(s) === "ready" && s.main.slotState !== "retired" ? 1 : 0));
  families.push({
    name: "corral_worker_state",
    help: "The slot's state: 1 for the current one.",
    type: "gauge",
    values: slots.flatMap((slot) => SLOT_STATES.map((state) => ({ labels: { worker: slot.id, state }, value: stateOf(slot) === state ? 1 : 0 }))),
  });
  perSlot("corral_worker_unhealthy", "1 while the slot's worker fails the app's health check (worker.healthCheck).", "gauge", (s) => ((s.main.failedHealthChecks ?? 0) > 0 ? 1 : 0));
  perSlot("corral_worker_failed_health_checks", "Health checks the slot's worker failed in a row.", "gauge", (s) => s.main.failedHealthChecks ?? 0);
  perSlot("corral_worker_pid", "Process id of the slot's worker (0 while it has none).", "gauge", (s) => s.main.pid);
  // The snapshot's own "now" (not Date.now() here), so a start time does not jitter between scrapes.
  const takenAt = snapshot.startedAt + snapshot.uptimeMs;
  perSlot("corral_worker_start_time_seconds", "When the slot's worker was forked, seconds since the Unix epoch (0 while it has none).", "gauge", (s) =>
    s.main.pid > 0 ? (takenAt - s.main.uptimeMs) / 1000 : 0,
  );
  perSlot("corral_worker_restarts_total", "Times the slot's worker was restarted after an unexpected exit.", "counter", (s) => s.main.restarts);
  perSlot("corral_worker_connections", "Open connections.", "gauge", (s) => sumOf(s, (w) => w.stats?.connections));
  perSlot("corral_worker_inflight_requests", "HTTP requests being served.", "gauge", (s) => sumOf(s, (w) => w.stats?.inflight));
  perSlot("corral_worker_event_loop_lag_seconds", "Event-loop lag, the worst over the last heartbeat interval.", "gauge", (s) => maxOf(s, (w) => w.stats!.lagMs) / 1000);
  perSlot("corral_worker_event_loop_utilization", "Event-loop utilisation (0 to 1) over the last heartbeat interval.", "gauge", (s) => maxOf(s, (w) => w.stats!.elu));
  perSlot("corral_worker_resident_memory_bytes", "Resident memory.", "gauge", (s) => sumOf(s, (w) => w.stats?.rss));
  perSlot("corral_worker_heap_used_bytes", "V8 heap used.", "gauge", (s) => sumOf(s, (w) => w.stats?.heapUsed));
  perSlot("corral_worker_heap_total_bytes", "V8 heap allocated.", "gauge", (s) => sumOf(s, (w) => w.stats?.heapTotal));

  const totals = new Map(slots.map((slot) => [slot.id, counters.totals(slot.id)]));
  perSlot("corral_worker_cpu_seconds_total", "CPU time (user + system) of the slot's processes.", "counter", (s) => totals.get(s.id)!.cpuSeconds);
  perSlot("corral_worker_handoffs_total", "Connections handed to the slot's processes.", "counter", (s) => totals.get(s.id)!.handoffs);
  perSlot("corral_worker_requests_total", "HTTP requests served (responses finished or aborted).", "counter", (s) => totals.get(s.id)!.requests);
  families.push(latencyHistogram(slots.map((slot) => [slot.id, totals.get(slot.id)!])));
  return families;
}

/** Workers that talk (primary/talk.ts): relayed and dropped messages, and who leads. */
function messageFamilies(snapshot: SupervisorSnapshot, families: Family[]): void {
  const { relayed, socketIoRelayed, dropped } = snapshot.messages!;
  families.push({
    name: "corral_messages_relayed_total",
    help: "Messages the primary wrote to a receiving worker: worker.broadcast/send and corral send (kind=\"worker\"), socket.io's cluster adapter (kind=\"socketio\").",
    type: "counter",
    values: [{ labels: { kind: "worker" }, value: relayed }, { labels: { kind: "socketio" }, value: socketIoRelayed }],
  });
  families.push({
    name: "corral_messages_dropped_total",
    help: "Messages between workers dropped: over the size or rate limit, receiver backed up, or no such worker ready.",
    type: "counter",
    values: Object.entries(dropped).map(([reason, value]) => ({ labels: { reason }, value })),
  });
  families.push({ name: "corral_leader_worker", help: "Slot id of the worker holding leadership (worker.onLeader); 0 when none does.", type: "gauge", values: [{ labels: {}, value: snapshot.leader?.id ?? 0 }] });
}

const LE = [...LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)), "+Inf"];

function latencyHistogram(slots: Array<[number, { latencyCounts: number[]; latencySumMs: number }]>): Family {
  const name = "corral_worker_request_duration_seconds";
  const values: Sample[] = [];
  for (const [id, totals] of slots) {
    let cumulative = 0;
    totals.latencyCounts.forEach((count, i) => {
      cumulative += count;
      values.push({ metricName: `${name}_bucket`, labels: { worker: id, le: LE[i]! }, value: cumulative });
    });
    values.push({ metricName: `${name}_sum`, labels: { worker: id }, value: totals.latencySumMs / 1000 });
    values.push({ metricName: `${name}_count`, labels: { worker: id }, value: cumulative });
  }
  return { name, help: "Time from a request's headers to its response closing, measured in the worker.", type: "histogram", values };
}
