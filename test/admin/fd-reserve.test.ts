// FdReserve (src/admin/fd-reserve.ts): the admin server steps aside while the
// supervisor has fewer than its reserve of fds left under RLIMIT_NOFILE.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FdReserve, reserveFor } from "../../src/admin/fd-reserve.js";

function fake(limit: number | null, open: number | null) {
  const state = { limit, open, reads: 0, time: 0 };
  const reserve = new FdReserve(
    { limit: () => state.limit, open: () => (state.reads++, state.open) },
    () => state.time,
  );
  return { state, reserve };
}

describe("FdReserve", () => {
  it("256 fds, or a quarter of a smaller limit", () => {
    assert.equal(reserveFor(1_048_576), 256);
    assert.equal(reserveFor(1024), 256);
    assert.equal(reserveFor(512), 128);
    assert.equal(reserveFor(100), 25);
  });
  it("short once fewer than the reserve are left", () => {
    assert.equal(fake(512, 384).reserve.isShort(), false, "128 left");
    assert.equal(fake(512, 385).reserve.isShort(), true, "127 left");
    assert.equal(fake(1_048_576, 1_048_000).reserve.isShort(), false);
  });
  it("reads /proc at most every 200 ms, however many connections arrive", () => {
    const { state, reserve } = fake(512, 100);
    for (let i = 0; i < 1000; i++) reserve.isShort();
    assert.equal(state.reads, 1);
    state.open = 500;
    assert.equal(reserve.isShort(), false, "the last reading still holds");
    state.time += 200;
    assert.equal(reserve.isShort(), true);
    assert.equal(state.reads, 2);
  });
  it("without a reading (not Linux, unlimited) nothing is refused", () => {
    assert.equal(fake(null, 10).reserve.isShort(), false);
    assert.equal(fake(512, null).reserve.isShort(), false);
  });
});
