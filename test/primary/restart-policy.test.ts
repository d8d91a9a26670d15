// Backoff and give-up decisions for crashed workers, as a table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BACKOFF_CAP_MS, decideRestart, restartDelay } from "../../src/primary/restart-policy.js";

const mid = () => 0.5; // jitter factor exactly 1.0

test("the delay doubles from ~100 ms and caps at ~15 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelay(n, mid)), [100, 200, 400, 800, 1600, 3200, 6400, 12800]);
  assert.equal(restartDelay(9, mid), BACKOFF_CAP_MS);
  assert.equal(restartDelay(500, mid), BACKOFF_CAP_MS);
});

test("jitter stays within ±20 %", () => {
  assert.equal(restartDelay(1, () => 0), 80);
  assert.equal(restartDelay(1, () => 0.999999), 120);
  assert.equal(restartDelay(9, () => 0.999999), Math.round(BACKOFF_CAP_MS * 1.2));
});

const TABLE = [
  { facts: { streak: 0, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 3 }, expect: { action: "restart", streak: 1, delayMs: 100 } },
  { facts: { streak: 2, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 3 }, expect: { action: "restart", streak: 3, delayMs: 400 } },
  { facts: { streak: 3, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 3 }, expect: { action: "give-up", streak: 4 } },
  // A worker that stayed up --min-uptime starts a fresh streak with the short delay.
  { facts: { streak: 3, uptimeMs: 6000, minUptimeMs: 5000, maxRestarts: 3 }, expect: { action: "restart", streak: 1, delayMs: 100 } },
  // --max-restarts 0: never restart a crash.
  { facts: { streak: 0, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 0 }, expect: { action: "give-up", streak: 1 } },
  // A failure before ready extends the streak however long it took (no endless loop of 6 s crashes).
  { facts: { streak: 3, uptimeMs: 6000, minUptimeMs: 5000, maxRestarts: 5, beforeReady: true }, expect: { action: "restart", streak: 4, delayMs: 800 } },
  // Never served: three attempts per slot, whatever --max-restarts says.
  { facts: { streak: 1, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 10, beforeReady: true, neverServed: true }, expect: { action: "restart", streak: 2, delayMs: 200 } },
  { facts: { streak: 2, uptimeMs: 50, minUptimeMs: 5000, maxRestarts: 10, beforeReady: true, neverServed: true }, expect: { action: "give-up", streak: 3 } },
  // Never served and the failure repeats as it is (listen timeout, port in use): no retry.
  { facts: { streak: 0, uptimeMs: 8000, minUptimeMs: 5000, maxRestarts: 10, beforeReady: true, neverServed: true, repeats: true }, expect: { action: "give-up", streak: 1 } },
] as const;

for (const row of TABLE) {
  test(`streak ${row.facts.streak}, up ${row.facts.uptimeMs} ms, max ${row.facts.maxRestarts} → ${row.expect.action}`, () => {
    assert.deepEqual(decideRestart(row.facts, mid), row.expect);
  });
}
