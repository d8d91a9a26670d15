// The numbers `corral top` shows: percentiles from histogram buckets and frames that fit the terminal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { quantileMs } from "../../src/cli/top-view.js";
import { LATENCY_BUCKETS_MS } from "../../src/protocol.js";

const buckets = (entries: Record<number, number>): number[] => {
  const counts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [i, n] of Object.entries(entries)) counts[Number(i)] = n;
  return counts;
};

test("quantiles interpolate inside the bucket holding the rank", () => {
  assert.equal(quantileMs(buckets({}), 0.5), null);
  assert.equal(quantileMs(buckets({ 0: 10 }), 0.5), 0.5, "half of (0, 1 ms]");
  assert.equal(quantileMs(buckets({ 0: 50, 1: 50 }), 0.99), 1 + 1.5 * (49 / 50));
  assert.equal(quantileMs(buckets({ 3: 100 }), 0.99), 5 + 5 * 0.99);
  assert.equal(quantileMs(buckets({ [LATENCY_BUCKETS_MS.length]: 3 }), 0.5), 10000, "+Inf reads as the last bound");
});
