// A worker runs user code and can write anything on its IPC channel: malformed
// and huge corral messages, plain app messages, forged node internals
// (NODE_HANDLE_ACK, NODE_CLUSTER), bytes that are not JSON. The primary must
// survive every one of them and keep serving; at worst the sender is replaced.
import assert from "node:assert/strict";
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
  // A crash of the primary would print node's stack unprefixed (worker lines carry [wN:pid]).
  assert.doesNotMatch(corral.output, /^(node:internal|Uncaught|SyntaxError)/m);
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
