// The recycling rule (recycle.ts) as a table: gunicorn's max_requests + randint(0, jitter), drawn per worker.
import assert from "node:assert/strict";
import { test } from "node:test";
import { drawLimits, recycleVerdict } from "../../dist/primary/recycle.js";

test("limits: max + 0..jitter requests, max-age + up to 10 %, Infinity when off", () => {
  assert.deepEqual(drawLimits({ maxRequests: 0, maxRequestsJitter: 50, maxAgeMs: 0 }, () => 0.5), { requests: Infinity, ageMs: Infinity });
  assert.deepEqual(drawLimits({ maxRequests: 200, maxRequestsJitter: 20, maxAgeMs: 60_000 }, () => 0), { requests: 200, ageMs: 60_000 });
  assert.deepEqual(drawLimits({ maxRequests: 200, maxRequestsJitter: 20, maxAgeMs: 60_000 }, () => 0.9999), { requests: 220, ageMs: 65_999 });
});

test("only a ready worker not already being replaced is due; requests are checked before age", () => {
  const limits = { requests: 100, ageMs: 10_000 };
  const worker = (over: object) => ({ state: "ready" as const, killReason: null, forkedAt: 0, stats: { requests: 0 }, ...over });
  assert.equal(recycleVerdict(worker({}), limits, 5_000), null);
  assert.deepEqual(recycleVerdict(worker({ stats: { requests: 100 } }), limits, 5_000), {
    cause: "max-requests", requests: 100, ageMs: 5_000, limit: 100, reason: "served 100 requests (--max-requests, its limit 100)",
  });
  assert.deepEqual(recycleVerdict(worker({ stats: { requests: 7 } }), limits, 10_000), {
    cause: "max-age", requests: 7, ageMs: 10_000, limit: 10_000, reason: "is 10 s old (--max-age, its limit 10 s)",
  });
  assert.equal(recycleVerdict(worker({ state: "starting", stats: { requests: 500 } }), limits, 50_000), null);
  assert.equal(recycleVerdict(worker({ state: "draining", stats: { requests: 500 } }), limits, 50_000), null);
  assert.equal(recycleVerdict(worker({ killReason: "over --max-memory", stats: { requests: 500 } }), limits, 50_000), null);
  assert.equal(recycleVerdict(worker({ stats: null }), { requests: 100, ageMs: Infinity }, 50_000), null);
});
