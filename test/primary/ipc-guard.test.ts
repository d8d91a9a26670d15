// The IPC guard (src/primary/ipc-guard.ts) on real channels: a forked child writes what each
// test asks for, and the guard, installed in the same tick as the fork, must keep the parent
// (the primary, in corral) safe from it, and let the rest through unchanged and in order.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import { guardChannel, MAX_MESSAGE_CHARS, missingChannelInternals } from "../../src/primary/ipc-guard.js";
import { fixture, waitFor } from "../helpers/corral.js";

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

interface Guarded {
  child: ChildProcess;
  /** Messages as the parent's listeners saw them: app messages ('message') and internal ones. */
  messages: unknown[];
  internal: unknown[];
  rejected: string[];
  corrupt: string[];
  /** Sends an order and waits until the child confirmed it wrote it (and node delivered everything before). */
  order(order: object): Promise<void>;
}

function guarded(maxMessageChars?: number, extraListener?: (message: unknown) => void): Guarded {
  const child = fork(fixture("ipc-sender.cjs"), [], { execArgv: [], serialization: "json", stdio: ["ignore", "ignore", "inherit", "ipc"] });
  children.add(child);
  const state: Guarded = { child, messages: [], internal: [], rejected: [], corrupt: [], order: async () => {} };
  // Stands for node's own internal listeners (child_process, cluster) that the guard wraps.
  child.on("internalMessage", (message: unknown) => {
    state.internal.push(message);
    extraListener?.(message);
  });
  guardChannel(child, { rejected: (reason) => state.rejected.push(reason), corrupt: (reason) => state.corrupt.push(reason) }, maxMessageChars);
  let orders = 0;
  child.on("message", (message: unknown) => state.messages.push(message));
  state.order = async (order) => {
    const n = ++orders;
    child.send(order);
    await waitFor(() => state.messages.some((m) => (m as { done?: number }).done === n) || state.corrupt.length > 0, `order ${n} (${JSON.stringify(order).slice(0, 80)})`, 20_000, 5);
  };
  return state;
}

const appMessages = (g: Guarded) => g.messages.filter((m) => !(typeof m === "object" && m !== null && "done" in m));

test("app and internal messages pass unchanged and in order", async () => {
  const g = guarded();
  await g.order({ send: { a: 1 } });
  await g.order({ send: "ready" });
  await g.order({ send: { cmd: "NODE_CORRAL", act: "ready" } });
  await g.order({ send: { b: "ünïcødé ✓" } });
  assert.deepEqual(appMessages(g), [{ a: 1 }, "ready", { b: "ünïcødé ✓" }]);
  assert.deepEqual(g.internal, [{ cmd: "NODE_CORRAL", act: "ready" }]);
  assert.deepEqual(g.rejected, []);
  assert.deepEqual(g.corrupt, []);
});

test("a forged NODE_HANDLE_ACK / NACK (no handle in flight) is dropped before node's listeners see it", async () => {
  const g = guarded();
  await g.order({ send: { cmd: "NODE_HANDLE_ACK" } });
  await g.order({ send: { cmd: "NODE_HANDLE_NACK" } });
  assert.deepEqual(g.internal, [], "node's own handler would trip an assertion on these");
  assert.deepEqual(g.rejected, ["dropped a forged NODE_HANDLE_ACK (no handle was in flight)", "dropped a forged NODE_HANDLE_NACK (no handle was in flight)"]);
});

test("an internal listener that throws is contained, and the next message still arrives", async () => {
  const g = guarded(undefined, (message) => {
    if ((message as { act?: string }).act === "boom") throw new Error("listener\nfailed");
  });
  await g.order({ send: { cmd: "NODE_CLUSTER", act: "boom" } });
  await g.order({ send: { cmd: "NODE_CLUSTER", act: "fine" } });
  assert.deepEqual(g.rejected, ['an IPC message (cmd "NODE_CLUSTER") made node\'s handler throw: listener failed']);
  assert.deepEqual(g.internal, [{ cmd: "NODE_CLUSTER", act: "boom" }, { cmd: "NODE_CLUSTER", act: "fine" }]);
});

test("bytes that are not JSON make the stream corrupt, reported once", async () => {
  const g = guarded();
  const closed = new Promise((resolve) => g.child.once("close", resolve)); // everything it wrote was read
  g.child.send({ rawThenExit: ["{this is not json\n", "neither is this\n", "nor this\n"] });
  await closed;
  assert.equal(g.corrupt.length, 1);
  assert.match(g.corrupt[0]!, /^sent data on its IPC channel that is not a message \(.*JSON/);
});

test("a message longer than the limit is dropped while it arrives; the channel resumes at the next message", async () => {
  const limit = 1024 * 1024;
  const g = guarded(limit);
  await g.order({ big: 3 * limit }); // then { done } and more, right behind it in the pipe
  await g.order({ send: { after: "ünïcødé ✓" } });
  await g.order({ big: limit / 2 }); // under the limit: delivered
  await g.order({ big: 2 * limit, corral: true }); // corral's own messages have the same limit
  await g.order({ send: { cmd: "NODE_CORRAL", act: "ready" } });
  assert.deepEqual(appMessages(g).map((m) => ("blob" in (m as object) ? `blob ${(m as { blob: string }).blob.length}` : m)), [{ after: "ünïcødé ✓" }, `blob ${limit / 2}`]);
  assert.deepEqual(g.internal, [{ cmd: "NODE_CORRAL", act: "ready" }]);
  assert.equal(g.rejected.length, 2);
  assert.match(g.rejected[0]!, /^dropped an IPC message longer than 1048576 characters/);
  assert.deepEqual(g.corrupt, []);
  assert.ok(MAX_MESSAGE_CHARS >= 8 * 1024 * 1024, "the default leaves room for large app-metrics replies");
});

test("a worker that keeps misbehaving is reported 3 times, then once more, then no more", async () => {
  const g = guarded();
  for (let i = 0; i < 6; i++) await g.order({ send: { cmd: "NODE_HANDLE_ACK" } });
  assert.equal(g.rejected.length, 4);
  assert.equal(g.rejected[3], "more IPC garbage from this worker; not reporting it further");
});

test("missingChannelInternals: nothing on this Node; names what a channel lacks", () => {
  const g = guarded();
  assert.deepEqual(missingChannelInternals(g.child), []);
  delete (g.child as unknown as { _handleQueue?: unknown })._handleQueue;
  assert.deepEqual(missingChannelInternals(g.child), ["ChildProcess#_handleQueue"]);
});
