// healthVerdict / overloadReason: a worker failing its health check while its peers pass is replaced;
// every serving worker failing at once (the last one included) is overload, and nothing is replaced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { healthVerdict, overloadReason, type CheckedWorker } from "../../src/primary/diagnostics/health-checks.js";

const AFTER = 3;
const w = (failedChecks: number, extra: Partial<CheckedWorker> = {}): CheckedWorker => ({
  state: "ready", killReason: null, failedChecks, healthError: failedChecks > 0 ? "db down" : null, ...extra,
});

test("a worker past --unhealthy-after while another passes is replaced, with its error", () => {
  const sick = w(3);
  const verdict = healthVerdict(sick, [sick, w(0)], AFTER);
  assert.deepEqual(verdict, { action: "replace", reason: "unhealthy: failed 3 health checks in a row (--unhealthy-after 3): db down" });
});

test("kept: under the limit, not ready, already being stopped, or not a serving worker", () => {
  const healthy = w(0);
  for (const worker of [w(2), w(5, { state: "draining" }), w(5, { state: "starting" }), w(5, { killReason: "hung" })]) {
    assert.deepEqual(healthVerdict(worker, [worker, healthy], AFTER), { action: "keep" });
  }
  assert.deepEqual(healthVerdict(w(5), [healthy], AFTER), { action: "keep" }, "a replacement or retired process is not judged");
});

test("kept while no peer passes: failures that begin a heartbeat apart on every worker are overload on its way", () => {
  const sick = w(3);
  assert.deepEqual(healthVerdict(sick, [sick, w(1)], AFTER), { action: "keep" });
  assert.equal(healthVerdict(sick, [sick, w(1), w(0)], AFTER).action, "replace", "one peer passing is enough");
});

test("every serving worker failing is overload: none replaced, the reason names the errors", () => {
  const a = w(3);
  const b = w(4, { healthError: "timeout" });
  assert.deepEqual(healthVerdict(a, [a, b], AFTER), { action: "keep" });
  assert.equal(overloadReason([a, b], AFTER), "overload: all 2 ready workers fail the app's health check (db down; timeout); replacing none");
  assert.equal(overloadReason([a, w(2)], AFTER), null, "one still under the limit: no overload");
  assert.equal(overloadReason([], AFTER), null);
});

test("the last ready worker is never replaced for its health: alone, it is the whole service", () => {
  const only = w(10);
  assert.deepEqual(healthVerdict(only, [only], AFTER), { action: "keep" });
  assert.match(overloadReason([only], AFTER)!, /^overload: the only ready worker fails/);
});
