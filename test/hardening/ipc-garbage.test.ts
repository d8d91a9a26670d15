// A worker runs user code and can write anything on its IPC channel: malformed
// and huge corral messages, plain app messages, forged node internals
// (NODE_HANDLE_ACK, NODE_CLUSTER), bytes that are not JSON. The primary must
// survive every one of them and keep serving; at worst the sender is replaced.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { controlPath, controlStatus, readyPids } from "../helpers/control-socket.js";
import { fixture, isAlive, request, startCorral, waitFor } from "../helpers/corral.js";

const { kinds } = createRequire(import.meta.url)(fixture("garbage-messages.cjs")) as { kinds: string[] };

/** Some request succeeds within the timeout (a worker that killed itself is being replaced meanwhile). */
async function serves(port: number, what: string): Promise<void> {
  await waitFor(async () => {
    try {
      return (await request(port, "/")).status === 200;
    } catch {
      return false;
    }
  }, `the service to answer after ${what}`, 15_000, 50);
}

test("the primary survives every kind of IPC garbage from a worker and keeps serving", async () => {
  const name = "ipc-garbage";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "2", "--name", name, "--min-uptime", "100ms", "--max-restarts", "1000"]);
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, name);
  const primary = corral.pid;

  for (const kind of kinds) {
    // The answer may not come: some garbage gets its sender killed (a corrupt channel) or crashes it.
    const reply = await request(port, `/garbage?kind=${kind}`).catch((error: Error) => ({ status: 0, body: error.message }));
    assert.ok(reply.status === 200 || reply.status === 0, `${kind}: ${reply.status} ${reply.body}`);
    assert.ok(isAlive(primary), `the primary died after ${kind}\n${corral.output}`);
    await serves(port, kind);
  }
  await waitFor(async () => (await readyPids(socket)).length === 2, "both slots to have a ready worker again", 15_000);
  assert.ok(isAlive(primary));
  assert.equal(corral.child.exitCode, null);
  // The forgeries that crash a bare node:cluster primary were contained, and said so.
  assert.match(corral.output, /dropped a forged NODE_HANDLE_ACK/);
  assert.match(corral.output, /made node's handler throw/);
  assert.match(corral.output, /sent data on its IPC channel that is not a message/);
  // A running worker claiming its Node lacks an internal is replaced; the supervisor carries on.
  assert.match(corral.output, /worker \d \(pid \d+\) Node v[\d.]+ lacks cluster\._getServer/);
  // A crash of the primary would print node's stack unprefixed (worker lines carry [wN:pid]).
  assert.doesNotMatch(corral.output, /^(node:internal|Uncaught|SyntaxError|RangeError)/m);
  await corral.stop();
});

test("random corral-shaped messages (fast-check samples) never hurt the primary", async () => {
  const name = "ipc-random";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "2", "--name", name]);
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, name);
  const pidsBefore = await readyPids(socket);
  let sent = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const reply = await request(port, `/garbage-random?seed=${seed}&count=100`);
    assert.equal(reply.status, 200, reply.body);
    sent += (JSON.parse(reply.body) as { sent: number }).sent;
  }
  await serves(port, "random garbage");
  assert.ok(sent >= 1500, `sent ${sent} messages`);
  const status = await controlStatus(socket);
  assert.ok(isAlive(corral.pid));
  assert.equal(status.workersReady, 2);
  // Nothing a worker said about itself made the primary act on it: same workers, still listening once.
  assert.deepEqual(await readyPids(socket), pidsBefore);
  assert.equal(status.listening.length, 1);
  console.log(`# ${sent} random messages sent by workers; primary alive, ${status.workersReady} workers ready`);
  await corral.stop();
});

/** The primary's current and peak resident set (VmRSS, VmHWM) in MB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rss: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
}

test("one 150 MB IPC message is dropped while it arrives: the primary never holds it, the worker keeps serving", async () => {
  const name = "ipc-huge";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "1", "--name", name]);
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);
  const [pid] = await readyPids(socket);
  const before = memoryOf(corral.pid);
  const reply = await request(port, "/send-big?mb=150");
  assert.equal(reply.status, 200);
  // The request after it is counted in a heartbeat queued behind the big message: once the primary
  // has that heartbeat, it has read past the big one (the channel resumed at the next message).
  await request(port, "/");
  await waitFor(async () => ((await controlStatus(socket)).workers[0]?.stats?.requests ?? 0) >= 2, "a heartbeat from behind the big message", 60_000, 100);
  const after = memoryOf(corral.pid);
  console.log(`# 150 MB message: primary RSS ${before.rss} MB before, peak ${after.peak} MB, ${after.rss} MB after`);
  assert.ok(after.peak - before.peak < 150, `the primary's peak RSS grew by ${after.peak - before.peak} MB (from ${before.peak} MB to ${after.peak} MB): it held the message`);
  assert.match(corral.output, /worker 1 \(pid \d+\): dropped an IPC message longer than \d+ characters/);
  assert.deepEqual(await readyPids(socket), [pid], "the sender keeps running");
  assert.ok(isAlive(corral.pid));
  await corral.stop();
});
