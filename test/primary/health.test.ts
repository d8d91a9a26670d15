// Hang and memory verdicts for a worker's record, as tables of plain objects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hangVerdict, memoryVerdict, type HealthFacts } from "../../src/primary/health.js";
import { tickRanLate, watchdogTick } from "../../src/primary/watchdog.js";

const NOW = 100_000;
const HANG_MS = 10_000;
const ready: HealthFacts = { state: "ready", killReason: null, lastHeartbeatAt: NOW - 1_000, stats: { rss: 100 } };

test("the watchdog ticks at an eighth of --hang-timeout, between 50 and 250 ms", () => {
  assert.deepEqual([100, 400, 800, 1000, 2000, 10_000].map(watchdogTick), [50, 50, 100, 125, 250, 250]);
});

test("a tick ran late when the primary was away for more than half the hang timeout on top of the tick", () => {
  // --hang-timeout 2 s: ticks every 250 ms, late after 1250 ms.
  assert.deepEqual([250, 600, 1250, 1251, 11_000].map((elapsed) => tickRanLate(elapsed, 2_000)), [false, false, false, true, true]);
});

test("hang: silence before the primary resumed (heardSince) does not count", () => {
  const silent = { ...ready, lastHeartbeatAt: NOW - 3 * HANG_MS };
  assert.equal(hangVerdict(silent, HANG_MS, NOW, NOW - HANG_MS), null, "a full hang timeout from the resume");
  assert.deepEqual(hangVerdict(silent, HANG_MS, NOW, NOW - HANG_MS - 5)?.silentMs, HANG_MS + 5);
  assert.deepEqual(hangVerdict(silent, HANG_MS, NOW, -Infinity)?.silentMs, 3 * HANG_MS);
});

const HANG_TABLE = [
  { name: "a ready worker that beat recently", worker: ready, expect: null },
  { name: "silent exactly --hang-timeout", worker: { ...ready, lastHeartbeatAt: NOW - HANG_MS }, expect: null },
  {
    name: "silent longer than --hang-timeout",
    worker: { ...ready, lastHeartbeatAt: NOW - HANG_MS - 1 },
    expect: { silentMs: HANG_MS + 1, reason: "hung: no heartbeat for 10001 ms (--hang-timeout 10000 ms)" },
  },
  // Starting workers have --listen-timeout, draining ones --kill-timeout; neither is judged as hung.
  { name: "a silent starting worker", worker: { ...ready, state: "starting", lastHeartbeatAt: 0 }, expect: null },
  { name: "a silent draining worker", worker: { ...ready, state: "draining", lastHeartbeatAt: 0 }, expect: null },
  { name: "a worker already being killed", worker: { ...ready, killReason: "over --max-memory", lastHeartbeatAt: 0 }, expect: null },
] as const;

for (const row of HANG_TABLE) {
  test(`hang: ${row.name}`, () => {
    assert.deepEqual(hangVerdict(row.worker, HANG_MS, NOW), row.expect);
  });
}

const MEMORY_TABLE = [
  { name: "no limit (0)", worker: { ...ready, stats: { rss: 1e12 } }, limit: 0, expect: null },
  { name: "under the limit", worker: ready, limit: 200, expect: null },
  { name: "exactly at the limit", worker: { ...ready, stats: { rss: 200 } }, limit: 200, expect: null },
  {
    name: "over the limit (sizes in MB, to a tenth)",
    worker: { ...ready, stats: { rss: 200.45 * 2 ** 20 } },
    limit: 200 * 2 ** 20,
    expect: { rss: 200.45 * 2 ** 20, limit: 200 * 2 ** 20, reason: "over --max-memory (rss 200.5 MB > 200 MB)" },
  },
  { name: "no heartbeat yet", worker: { ...ready, stats: null }, limit: 200, expect: null },
  { name: "not ready", worker: { ...ready, state: "draining", stats: { rss: 1e12 } }, limit: 200, expect: null },
  { name: "already being killed", worker: { ...ready, killReason: "hung", stats: { rss: 1e12 } }, limit: 200, expect: null },
] as const;

for (const row of MEMORY_TABLE) {
  test(`memory: ${row.name}`, () => {
    assert.deepEqual(memoryVerdict(row.worker, row.limit), row.expect);
  });
}
