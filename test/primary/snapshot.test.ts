// buildSnapshot: what `corral status`, /status, /metrics and the dashboard all read, from plain records.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResolvedOptions } from "../../src/config/types.js";
import type { ManagedWorker } from "../../src/primary/managed-worker.js";
import { buildSnapshot, type SnapshotSources } from "../../src/primary/snapshot.js";
import { newSlot, type Slot } from "../../src/primary/slot.js";
import type { SlotState, WorkerState } from "../../src/status.js";
import { VERSION } from "../../src/version.js";

const NOW = 1_000_000;

function worker(slotId: number, clusterId: number, state: WorkerState, extra: Partial<ManagedWorker> = {}): ManagedWorker {
  return {
    slotId, state, pid: 1000 + clusterId, worker: { id: clusterId }, forkedAt: NOW - 5_000,
    stats: null, cpuPercent: null, handoffs: 0, pendingHandoffs: 0, ...extra,
  } as unknown as ManagedWorker;
}

function slot(id: number, state: SlotState, current: ManagedWorker | null, restarts = 0): Slot {
  return { ...newSlot(id), state, worker: current, restarts };
}

function sources(workers: ManagedWorker[], slots: Slot[], extra: Partial<SnapshotSources> = {}): SnapshotSources {
  return {
    options: { name: "shop", entry: "/srv/shop/server.js", balance: "least-connections" } as ResolvedOptions,
    startedAt: NOW - 60_000,
    shuttingDown: false,
    reloads: 3,
    adminUrl: "http://127.0.0.1:8001",
    acceptors: { handoffs: 42, queued: 2, dropped: 1, listening: [{ address: "127.0.0.1", port: 3000, family: "IPv4" }] },
    workers,
    slots: new Map(slots.map((s) => [s.id, s])),
    ...extra,
  };
}

test("supervisor figures come from the sources, the clock given and this process", () => {
  const snapshot = buildSnapshot(sources([], []), NOW);
  assert.equal(snapshot.name, "shop");
  assert.equal(snapshot.entry, "/srv/shop/server.js");
  assert.equal(snapshot.balance, "least-connections");
  assert.equal(snapshot.pid, process.pid);
  assert.equal(snapshot.version, VERSION);
  assert.equal(snapshot.node, process.versions.node);
  assert.equal(snapshot.startedAt, NOW - 60_000);
  assert.equal(snapshot.uptimeMs, 60_000);
  assert.equal(snapshot.reloads, 3);
  assert.equal(snapshot.admin, "http://127.0.0.1:8001");
  assert.deepEqual([snapshot.handoffs, snapshot.queued, snapshot.queueDropped], [42, 2, 1]);
  assert.deepEqual(snapshot.listening, [{ address: "127.0.0.1", port: 3000, family: "IPv4" }]);
  assert.equal(snapshot.shuttingDown, false);
  assert.ok(snapshot.primaryRss > 0);
  assert.ok(snapshot.primaryCpuSeconds > 0);
  assert.deepEqual(snapshot.workers, []);
  assert.equal(buildSnapshot(sources([], [], { shuttingDown: true }), NOW).shuttingDown, true);
});

test("each worker process is listed with its slot's state, restarts and its own figures", () => {
  const stats = { inflight: 1 } as ManagedWorker["stats"];
  const w = worker(1, 7, "ready", { stats, cpuPercent: 12.5, handoffs: 9, pendingHandoffs: 2, failedChecks: 2, healthError: "db down" });
  const [row] = buildSnapshot(sources([w], [slot(1, "running", w, 4)]), NOW).workers;
  assert.deepEqual(row, {
    id: 1, clusterId: 7, pid: 1007, state: "ready", slotState: "running", uptimeMs: 5_000,
    restarts: 4, stats, cpuPercent: 12.5, handoffs: 9, pendingHandoffs: 2, failedHealthChecks: 2, healthError: "db down",
  });
});

test("a process that is not its slot's current worker (drained by a reload or scale) is 'retired'", () => {
  const old = worker(1, 1, "draining");
  const fresh = worker(1, 3, "ready");
  const scaledAway = worker(2, 2, "draining");
  const snapshot = buildSnapshot(sources([old, fresh, scaledAway], [slot(1, "running", fresh), slot(2, "retired", scaledAway)]), NOW);
  assert.deepEqual(snapshot.workers.map((w) => [w.id, w.clusterId, w.state, w.slotState]), [
    [1, 1, "draining", "retired"],
    [1, 3, "ready", "running"],
    [2, 2, "draining", "retired"],
  ]);
});

test("a slot between processes (backoff, errored) still shows, with no process", () => {
  const w = worker(2, 5, "ready");
  const snapshot = buildSnapshot(sources([w], [slot(1, "backoff", null, 2), slot(2, "running", w), slot(3, "errored", null, 10)]), NOW);
  assert.deepEqual(snapshot.workers.map((r) => [r.id, r.pid, r.state, r.slotState, r.restarts]), [
    [1, 0, "stopped", "backoff", 2],
    [2, 1005, "ready", "running", 0],
    [3, 0, "stopped", "errored", 10],
  ]);
  const empty = snapshot.workers[0]!;
  assert.deepEqual([empty.clusterId, empty.uptimeMs, empty.stats, empty.cpuPercent, empty.handoffs, empty.pendingHandoffs], [0, 0, null, null, 0, 0]);
});

test("workers are ordered by slot, then by process age; input order does not matter", () => {
  const a = worker(2, 4, "ready");
  const b = worker(1, 6, "starting");
  const c = worker(1, 2, "draining");
  const slots = [slot(1, "running", b), slot(2, "running", a)];
  for (const order of [[a, b, c], [c, a, b], [b, c, a]]) {
    assert.deepEqual(buildSnapshot(sources(order, slots), NOW).workers.map((w) => w.clusterId), [2, 6, 4]);
  }
});

test("desired counts the slots not scaled away; ready counts slots whose current worker is ready", () => {
  const ready = worker(1, 1, "ready");
  const starting = worker(2, 2, "starting");
  const retired = worker(4, 4, "draining"); // scaled away, still finishing: not part of the service
  const snapshot = buildSnapshot(
    sources([ready, starting, retired], [slot(1, "running", ready), slot(2, "running", starting), slot(3, "backoff", null), slot(4, "retired", retired)]),
    NOW,
  );
  assert.equal(snapshot.workersDesired, 3);
  assert.equal(snapshot.workersReady, 1);
});
