// Queries over the supervisor's slots, and the crash-loop report, with plain objects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allErrored } from "../../src/errors.js";
import type { ManagedWorker } from "../../src/primary/managed-worker.js";
import { activeSlots, clearSlotTimer, countReady, isSettled, lastCrashOutput, newSlot, surplusSlots, type Slot } from "../../src/primary/slot.js";
import type { SlotState, WorkerState } from "../../src/status.js";

function slot(id: number, state: SlotState, worker: WorkerState | null = null, lastStderr: string[] = [], lastCrashAt = 0): Slot {
  return { ...newSlot(id), state, worker: worker === null ? null : ({ state: worker } as ManagedWorker), lastStderr, lastCrashAt };
}

function table(...slots: Slot[]): Map<number, Slot> {
  return new Map(slots.map((s) => [s.id, s]));
}

test("active slots are the ones not scaled away, by id", () => {
  const slots = table(slot(3, "running"), slot(1, "backoff"), slot(2, "retired", "draining"), slot(4, "errored"));
  assert.deepEqual(activeSlots(slots).map((s) => s.id), [1, 3, 4]);
});

test("only a slot's current worker counts as ready", () => {
  const slots = table(slot(1, "running", "ready"), slot(2, "running", "starting"), slot(3, "backoff"), slot(4, "retired", "ready"));
  assert.equal(countReady(slots), 2);
});

const SETTLED = [
  { slot: slot(1, "running", "ready"), expect: true },
  { slot: slot(1, "running", "starting"), expect: false },
  { slot: slot(1, "backoff"), expect: false },
  { slot: slot(1, "errored"), expect: true },
  { slot: slot(1, "retired", "draining"), expect: true },
] as const;

for (const row of SETTLED) {
  test(`a ${row.slot.state} slot with a ${row.slot.worker?.state ?? "missing"} worker is ${row.expect ? "" : "not "}settled`, () => {
    assert.equal(isSettled(row.slot), row.expect);
  });
}

test("the crash-loop report shows the most recent crash that wrote stderr (its crash report, crash-report.ts), indented", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  // Slot 2 crashed last with output; slot 3 crashed later but silently; slot 1's output is older.
  const slots = table(slot(1, "errored", null, ["older"], 3_000), slot(2, "errored", null, lines, 5_000), slot(3, "errored", null, [], 9_000));
  assert.deepEqual(lastCrashOutput(slots), lines);
  assert.deepEqual(lastCrashOutput(table(slot(1, "errored", null, ["newer"], 7_000), slot(2, "errored", null, lines, 5_000))), ["newer"], "not simply the highest slot id");
  const error = allErrored(lastCrashOutput(slots));
  assert.equal(error.code, "CORRAL_ERR_ALL_ERRORED");
  assert.equal(error.message, `every worker is crash-looping; the app's last error output:\n${lines.map((l) => `  ${l}`).join("\n")}`);
  assert.match(allErrored(["Error: boom"], true).message, /^the app failed to start: every worker exited before it was ready; the app's error:\n {2}Error: boom$/);
});

test("the crash-loop report says so when the app wrote nothing on stderr", () => {
  assert.deepEqual(lastCrashOutput(table(slot(1, "errored"))), []);
  assert.equal(allErrored([]).message, "every worker is crash-looping; the app's last error output:\n  (nothing on stderr)");
});

test("clearing a slot's timer cancels the restart", async () => {
  const s = slot(1, "backoff");
  let fired = false;
  s.timer = setTimeout(() => (fired = true), 1);
  clearSlotTimer(s);
  assert.equal(s.timer, null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fired, false);
  clearSlotTimer(s); // idempotent
});

test("scale-down retires the slots serving least first (errored, backoff, starting), then the highest ids", () => {
  const slots = [slot(1, "errored"), slot(2, "running", "ready"), slot(3, "running", "ready"), slot(4, "backoff"), slot(5, "running", "starting")];
  assert.deepEqual(surplusSlots(slots, 1).map((s) => s.id), [1, 4, 5, 3]);
  assert.deepEqual(surplusSlots(slots, 3).map((s) => s.id), [1, 4]);
  assert.deepEqual(surplusSlots(slots, 5), []);
});

