// Leadership (src/primary/leader.ts) and the message budget (src/message-limits.ts) as pure
// state machines, driven with plain worker records: what each worker is told, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Leadership } from "../../src/primary/leader.js";
import type { ManagedWorker } from "../../src/primary/managed-worker.js";
import { TokenBucket } from "../../src/message-limits.js";

interface Fake { slotId: number; pid: number; state: string; readyAt: number; told: string[] }

function fake(slotId: number, readyAt: number, state = "ready"): Fake & ManagedWorker {
  const w = { slotId, pid: 1000 + slotId, state, readyAt, told: [] as string[] } as Fake;
  (w as unknown as { send(m: { lead: boolean; term: number }): void }).send = (m) => w.told.push(`${m.lead ? "lead" : "stop"} ${m.term}`);
  return w as Fake & ManagedWorker;
}

test("one leader at a time: the newest ready candidate; none granted while the leader stops, the next at once after", () => {
  const leaders = new Leadership(() => {});
  const a = fake(1, 100);
  const b = fake(2, 200);
  const starting = fake(3, 0, "starting");
  leaders.candidate(a);
  leaders.candidate(starting);
  assert.deepEqual(a.told, ["lead 1"], "the only ready candidate leads");
  leaders.candidate(b);
  assert.deepEqual(b.told, [], "a newer candidate does not take over a leader");

  leaders.leaving(a);
  assert.deepEqual(a.told, ["lead 1", "stop 1"]);
  assert.equal(leaders.view()?.stopping, true);
  leaders.ready();
  leaders.stopped(b, 1); // not the leader: ignored
  leaders.stopped(a, 0); // an old term: ignored
  assert.deepEqual(b.told, [], "nobody else leads while the leader's stop runs");

  leaders.stopped(a, 1);
  assert.deepEqual(b.told, ["lead 2"], "granted at once when stop settled");
  assert.deepEqual(leaders.view(), { id: 2, pid: 1002, term: 2, stopping: false });

  starting.state = "ready";
  starting.readyAt = 300;
  leaders.exited(b);
  assert.deepEqual(starting.told, ["lead 3"], "a dead leader is replaced after its exit");
  leaders.exited(starting);
  assert.equal(leaders.view(), null, "no candidate left");
});

test("a leader that dies while stopping is released; a worker that was never a candidate is never granted", () => {
  const leaders = new Leadership(() => {});
  const a = fake(1, 100);
  const b = fake(2, 200);
  const bystander = fake(3, 300);
  leaders.candidate(a);
  leaders.ready();
  leaders.leaving(a);
  leaders.candidate(b);
  assert.deepEqual(b.told, []);
  leaders.exited(a);
  assert.deepEqual(b.told, ["lead 2"]);
  assert.deepEqual(bystander.told, []);
});

test("TokenBucket: a burst, then the rate", () => {
  const bucket = new TokenBucket(1000, 3, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  assert.equal(bucket.take(0.5), false, "half a token after 0.5 ms");
  assert.equal(bucket.take(1), true, "one token per ms at 1000/s");
  assert.equal(bucket.take(1000), true);
  assert.deepEqual([bucket.take(1000), bucket.take(1000), bucket.take(1000)], [true, true, false], "refilled to the burst, not beyond");
});
