// The balancing strategies as pure functions over plain candidate objects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ipHash, normalizeAddress } from "../../src/balancer/ip-hash.js";
import { leastConnections } from "../../src/balancer/least-connections.js";
import { roundRobin } from "../../src/balancer/round-robin.js";
import { MAX_PENDING_HANDOFFS, type Candidate } from "../../src/balancer/types.js";

const worker = (slotId: number, connections = 0, pendingHandoffs = 0): Candidate => ({ slotId, connections, pendingHandoffs });

test("round-robin: takes workers in turn", () => {
  const rr = roundRobin();
  const ws = [worker(1), worker(2), worker(3)];
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => rr.pick(ws, "")!.slotId), [1, 2, 3, 1, 2, 3]);
});

test("round-robin: skips a worker that has not acknowledged its previous hand-off", () => {
  const rr = roundRobin();
  const ws = [worker(1), worker(2, 0, 1), worker(3)];
  assert.deepEqual([1, 2, 3].map(() => rr.pick(ws, "")!.slotId), [1, 3, 1]);
});

test("round-robin: returns nothing when every worker is busy or none is ready (the connection waits)", () => {
  const rr = roundRobin();
  assert.equal(rr.pick([worker(1, 0, 1), worker(2, 0, 1)], ""), undefined);
  assert.equal(rr.pick([], ""), undefined);
});

test("least-connections: picks the emptier worker, counting unacknowledged hand-offs", () => {
  const lc = leastConnections();
  assert.equal(lc.pick([worker(1, 5), worker(2, 2), worker(3, 9)], "")!.slotId, 2);
  assert.equal(lc.pick([worker(1, 1, 3), worker(2, 2)], "")!.slotId, 2);
});

test("least-connections: ties rotate instead of piling on the first worker", () => {
  const lc = leastConnections();
  const ws = [worker(1), worker(2), worker(3)];
  const picks = [0, 1, 2].map(() => lc.pick(ws, "")!.slotId);
  assert.deepEqual(new Set(picks), new Set([1, 2, 3]));
});

test("ip-hash: the same address always gets the same worker", () => {
  const ih = ipHash();
  const ws = [1, 2, 3, 4].map((id) => worker(id));
  for (let i = 0; i < 50; i++) {
    const address = `10.0.${i}.7`;
    const first = ih.pick(ws, address)!.slotId;
    for (let j = 0; j < 3; j++) assert.equal(ih.pick(ws, address)!.slotId, first);
  }
});

test("ip-hash: spreads addresses over every worker", () => {
  const ih = ipHash();
  const ws = [1, 2, 3, 4].map((id) => worker(id));
  const counts = new Map<number, number>();
  for (let i = 0; i < 4000; i++) {
    const id = ih.pick(ws, `192.168.${i >> 8}.${i & 255}`)!.slotId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const id of [1, 2, 3, 4]) assert.ok((counts.get(id) ?? 0) > 800, `worker ${id} got ${counts.get(id)} of 4000`);
});

test("ip-hash: when a worker leaves only its addresses move, and they come back when it returns", () => {
  const ih = ipHash();
  const all = [1, 2, 3, 4].map((id) => worker(id));
  const without3 = all.filter((w) => w.slotId !== 3);
  let moved = 0;
  for (let i = 0; i < 2000; i++) {
    const address = `172.16.${i >> 8}.${i & 255}`;
    const before = ih.pick(all, address)!.slotId;
    const during = ih.pick(without3, address)!.slotId;
    if (before !== 3) assert.equal(during, before, `${address} stayed on ${before}`);
    else moved++;
    assert.equal(ih.pick(all, address)!.slotId, before, "back on its worker when slot 3 returns");
  }
  assert.ok(moved > 300 && moved < 700, `about a quarter moved: ${moved}`);
});

test("ip-hash: IPv4, IPv4-mapped IPv6 and case variants of IPv6 hash the same way", () => {
  assert.equal(normalizeAddress("::ffff:10.1.2.3"), "10.1.2.3");
  assert.equal(normalizeAddress("::FFFF:10.1.2.3"), "10.1.2.3");
  assert.equal(normalizeAddress("2001:DB8::1"), "2001:db8::1");
  const ih = ipHash();
  const ws = [1, 2, 3, 4, 5].map((id) => worker(id));
  for (let i = 0; i < 100; i++) {
    assert.equal(ih.pick(ws, `::ffff:10.9.${i}.1`)!.slotId, ih.pick(ws, `10.9.${i}.1`)!.slotId);
  }
});

test("least-connections and ip-hash pass over a worker with MAX_PENDING_HANDOFFS unacknowledged (it is not reading its channel)", () => {
  const stuck = worker(1, 0, MAX_PENDING_HANDOFFS);
  const lc = leastConnections();
  assert.equal(lc.pick([stuck, worker(2, 50)], "")!.slotId, 2);
  assert.equal(lc.pick([stuck], ""), undefined, "the connection waits rather than piling on");
  const ih = ipHash();
  const address = "10.1.2.3";
  const home = ih.pick([worker(1), worker(2)], address)!.slotId;
  const other = home === 1 ? 2 : 1;
  assert.equal(ih.pick([worker(home, 0, MAX_PENDING_HANDOFFS), worker(other)], address)!.slotId, other);
  assert.equal(ih.pick([worker(home, 0, MAX_PENDING_HANDOFFS - 1), worker(other)], address)!.slotId, home, "below the cap it stays sticky");
});
