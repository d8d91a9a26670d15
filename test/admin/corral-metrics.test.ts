// corral's own series from a snapshot: one series per slot even while a reload runs two processes in it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import promClient from "prom-client";
import { corralFamilies } from "../../src/admin/corral-metrics.js";
import { SlotCounters } from "../../src/primary/slot-counters.js";
import type { ManagedWorker } from "../../src/primary/managed-worker.js";
import { LATENCY_BUCKETS_MS, type WorkerStats } from "../../src/protocol.js";
import type { SupervisorSnapshot, WorkerSnapshot } from "../../src/status.js";
import { findTool } from "../helpers/tools.js";

const stats = (over: Partial<WorkerStats> = {}): WorkerStats => ({
  lagMs: 2, elu: 0.1, rss: 50e6, heapUsed: 5e6, heapTotal: 8e6, cpuSeconds: 1, connections: 1, inflight: 0, requests: 3,
  latencyCounts: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], latencySumMs: 20000, ...over,
});
const worker = (over: Partial<WorkerSnapshot>): WorkerSnapshot => ({
  id: 1, clusterId: 1, pid: 100, state: "ready", slotState: "running", uptimeMs: 1000, restarts: 0, stats: stats(), cpuPercent: 1, handoffs: 3, ...over,
});

const snapshot = (workers: WorkerSnapshot[]): SupervisorSnapshot => ({
  name: "x", pid: 1, version: "0", node: "20", entry: "/a.js", balance: "round-robin", startedAt: 0, uptimeMs: 1, shuttingDown: false,
  workersDesired: 3, workersReady: 2, reloads: 1, handoffs: 9, queued: 0, queueDropped: 0, listening: [], admin: null,
  logLinesDropped: 0, primaryRss: 1, primaryCpuSeconds: 1, workers,
});

async function render(s: SupervisorSnapshot): Promise<string> {
  const registry = new promClient.Registry();
  const counters = new SlotCounters();
  // The counters read the live processes (ManagedWorker); these stand-ins carry what they read.
  counters.observe(s.workers.filter((w) => w.pid > 0).map((w) => ({ slotId: w.id, state: w.state, stats: w.stats, handoffs: w.handoffs }) as unknown as ManagedWorker));
  for (const family of corralFamilies(s, counters)) {
    const metric = { ...family, aggregator: "sum", get: async () => metric };
    registry.registerMetric(metric as unknown as promClient.Metric);
  }
  return registry.metrics();
}

test("a reload's two processes in one slot, a slot in backoff and a retiring slot give one series each", async () => {
  const text = await render(snapshot([
    worker({ id: 1, clusterId: 1, pid: 101, state: "ready", slotState: "running" }),
    worker({ id: 1, clusterId: 4, pid: 104, state: "starting", slotState: "retired", stats: stats({ rss: 30e6, lagMs: 9 }) }),
    worker({ id: 2, clusterId: 0, pid: 0, state: "stopped", slotState: "backoff", stats: null, restarts: 2 }),
    worker({ id: 3, clusterId: 3, pid: 103, state: "draining", slotState: "retired" }),
  ]));
  const line = (re: RegExp): string => text.split("\n").find((l) => re.test(l)) ?? "";
  assert.match(line(/^corral_worker_up\{worker="1"\}/), / 1$/);
  assert.match(line(/^corral_worker_pid\{worker="1"\}/), / 101$/, "the slot's own worker, not its replacement yet");
  assert.match(line(/^corral_worker_resident_memory_bytes\{worker="1"\}/), / 80000000$/, "both processes' memory");
  assert.match(line(/^corral_worker_event_loop_lag_seconds\{worker="1"\}/), / 0\.009$/, "the worse lag");
  assert.match(line(/^corral_worker_state\{worker="2",state="backoff"\}/), / 1$/);
  assert.match(line(/^corral_worker_up\{worker="2"\}/), / 0$/);
  assert.match(line(/^corral_worker_restarts_total\{worker="2"\}/), / 2$/);
  assert.match(line(/^corral_worker_state\{worker="3",state="draining"\}/), / 1$/);
  assert.match(line(/^corral_worker_up\{worker="3"\}/), / 0$/);
  assert.match(line(/^corral_worker_request_duration_seconds_bucket\{worker="3",le="0.001"\}/), / 1$/);
  assert.match(line(/^corral_worker_request_duration_seconds_bucket\{worker="3",le="0.0025"\}/), / 2$/);
  assert.match(line(/^corral_worker_request_duration_seconds_bucket\{worker="3",le="\+Inf"\}/), / 3$/);
  assert.match(line(/^corral_worker_request_duration_seconds_sum\{worker="3"\}/), / 20$/);
  assert.equal(LATENCY_BUCKETS_MS.length + 1, stats().latencyCounts.length);

  const series = text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.slice(0, l.lastIndexOf(" ")));
  assert.equal(new Set(series).size, series.length, "no series twice");
  const promtool = findTool("promtool");
  if (promtool) {
    const run = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  }
});

test("a slot's counters keep what its exited processes did", () => {
  const counters = new SlotCounters();
  const first = { slotId: 1, state: "ready", stats: stats({ requests: 5, cpuSeconds: 2 }), handoffs: 5 };
  counters.observe([first as unknown as ManagedWorker]);
  assert.equal(counters.totals(1).requests, 5);
  first.state = "stopped";
  first.stats = stats({ requests: 6, cpuSeconds: 2.5 }); // its last heartbeat before it died
  const second = { slotId: 1, state: "ready", stats: stats({ requests: 2, cpuSeconds: 0.5 }), handoffs: 2 };
  counters.observe([second as unknown as ManagedWorker]);
  const totals = counters.totals(1);
  assert.equal(totals.requests, 8);
  assert.equal(totals.cpuSeconds, 3);
  assert.equal(totals.handoffs, 7);
  assert.equal(totals.latencyCounts.reduce((a, b) => a + b, 0), 6);
  assert.equal(counters.totals(2).requests, 0);
});
