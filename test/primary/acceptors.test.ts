// The primary's acceptors over real loopback sockets, with stand-in workers that
// record each hand-off (message and raw handle) and acknowledge it when the test
// says so: queueing, the outage cap, refusals, shutdown and releasing ports.
import assert from "node:assert/strict";
import type { Worker } from "node:cluster";
import net from "node:net";
import { afterEach, test } from "node:test";
import { Acceptors } from "../../src/primary/acceptors.js";
import { ManagedWorker } from "../../src/primary/managed-worker.js";
import { acceptorKey, CMD, type Handoff, type ListenRequest } from "../../src/protocol.js";
import type { WorkerState } from "../../src/status.js";
import { waitFor } from "../helpers/corral.js";

interface Stand {
  worker: ManagedWorker;
  /** Hand-offs received, oldest first. */
  received: Handoff[];
}

function standIn(slotId: number, state: WorkerState = "ready"): Stand {
  const received: Handoff[] = [];
  const process = { pid: 10_000 + slotId, send: (message: Handoff) => void received.push(message) };
  const worker = new ManagedWorker(slotId, { isConnected: () => true, process } as unknown as Worker);
  worker.state = state;
  return { worker, received };
}

function listenRequest(index = 0): ListenRequest {
  return { cmd: CMD, act: "listen", seq: 1, key: acceptorKey("127.0.0.1", 0, 4, index), address: "127.0.0.1", port: 0, addressType: 4, backlog: 511, ipv6Only: false };
}

async function listen(acceptors: Acceptors, stand: Stand, index = 0): Promise<number> {
  const reply = await acceptors.listen(stand.worker, listenRequest(index));
  assert.ok(reply?.sockname, `listen failed: ${reply?.error}`);
  return reply.sockname.port;
}

interface Client {
  socket: net.Socket;
  closed: boolean;
}

function connect(port: number): Client {
  const client: Client = { socket: net.connect(port, "127.0.0.1"), closed: false };
  sockets.push(client.socket);
  client.socket.on("error", () => {});
  client.socket.on("close", () => (client.closed = true));
  return client;
}

// Whatever a test leaves open (it failed half-way) is closed after it, so the file always ends.
const opened: Acceptors[] = [];
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const acceptors of opened.splice(0)) acceptors.closeAll();
  for (const socket of sockets.splice(0)) socket.destroy();
});

function acceptorsWith(maxQueue: number): Acceptors {
  const acceptors = new Acceptors("round-robin", { maxQueue, queueTimeoutMs: 60_000 });
  opened.push(acceptors);
  return acceptors;
}

test("a burst while workers are ready waits for their acknowledgements: nothing is dropped, whatever --max-queue", async () => {
  const acceptors = acceptorsWith(2);
  const [a, b] = [standIn(1), standIn(2)];
  const port = await listen(acceptors, a);
  await listen(acceptors, b);
  const clients = Array.from({ length: 20 }, () => connect(port));
  await waitFor(() => a.received.length + b.received.length + acceptors.queued === 20, "every connection to be accepted");
  assert.deepEqual([a.received.length, b.received.length], [1, 1], "one unacknowledged hand-off per worker");
  for (let acked = 0; acked < 20; acked++) {
    const stand = acked % 2 === 0 ? a : b;
    acceptors.acknowledge(stand.worker, stand.received.at(-1)!.seq, true, 0);
  }
  assert.deepEqual([a.received.length, b.received.length, acceptors.queued, acceptors.dropped], [10, 10, 0, 0]);
});

test("with no ready worker the queue holds --max-queue connections: the newest are closed, those that waited stay", async () => {
  const acceptors = acceptorsWith(3);
  const starting = standIn(1, "starting");
  const port = await listen(acceptors, starting);
  const clients: Client[] = [];
  for (let i = 0; i < 5; i++) {
    clients.push(connect(port));
    await waitFor(() => acceptors.queued + acceptors.dropped === i + 1, `connection ${i + 1} to be accepted`);
  }
  await waitFor(() => clients[3]!.closed && clients[4]!.closed, "the two newest to be closed");
  assert.deepEqual(clients.map((c) => c.closed), [false, false, false, true, true]);
  assert.equal(acceptors.dropped, 2);
  starting.worker.state = "ready";
  acceptors.refresh(starting.worker);
  assert.equal(starting.received.length, 1, "the oldest is handed off first");
});

test("a client that reset while it waited frees its place and is never handed to a worker", async () => {
  const acceptors = acceptorsWith(3);
  const starting = standIn(1, "starting");
  const port = await listen(acceptors, starting);
  const clients = [connect(port), connect(port), connect(port)];
  await waitFor(() => acceptors.queued === 3, "three connections to wait");
  clients[0]!.socket.resetAndDestroy();
  await new Promise((resolve) => clients[0]!.socket.once("close", resolve));
  // The queue is full: the reset one makes room for the fourth; the fifth finds it full.
  clients.push(connect(port));
  await new Promise((resolve) => clients[3]!.socket.once("connect", resolve));
  clients.push(connect(port));
  await waitFor(() => acceptors.dropped === 1 && clients[4]!.closed, "the fifth to be closed");
  assert.deepEqual(clients.map((c) => c.closed), [true, false, false, false, true]);
  starting.worker.state = "ready";
  acceptors.refresh(starting.worker);
  for (let i = 0; i < 3; i++) acceptors.acknowledge(starting.worker, starting.received.at(-1)!.seq, true, 0);
  assert.deepEqual([starting.received.length, acceptors.queued, acceptors.dropped], [3, 0, 1]);
});

test("a connection every ready worker refused (server full) is closed, not offered again", async () => {
  const acceptors = acceptorsWith(10);
  const [a, b] = [standIn(1), standIn(2)];
  const port = await listen(acceptors, a);
  await listen(acceptors, b);
  const client = connect(port);
  await waitFor(() => a.received.length === 1, "the hand-off to worker 1");
  acceptors.acknowledge(a.worker, a.received[0]!.seq, false, 5);
  assert.equal(b.received.length, 1, "offered to the other worker");
  acceptors.acknowledge(b.worker, b.received[0]!.seq, false, 5);
  await waitFor(() => client.closed, "the client to be closed");
  assert.deepEqual([a.received.length, b.received.length, acceptors.queued], [1, 1, 0]);
});

test("a refusal from a worker that is leaving does not count: the connection waits for the next worker", async () => {
  const acceptors = acceptorsWith(10);
  const leaving = standIn(1);
  const port = await listen(acceptors, leaving);
  const client = connect(port);
  await waitFor(() => leaving.received.length === 1, "the hand-off");
  leaving.worker.state = "draining";
  acceptors.refresh(leaving.worker);
  acceptors.acknowledge(leaving.worker, leaving.received[0]!.seq, false, 0);
  acceptors.serverClosed(leaving.worker, listenRequest().key); // its server closes on the way out: the socket stays
  assert.equal(acceptors.queued, 1);
  const next = standIn(2);
  await listen(acceptors, next);
  assert.equal(next.received.length, 1, "the successor gets it");
  assert.equal(client.closed, false);
});

test("after closeAll a refused or orphaned hand-off is closed, never offered to another worker", async () => {
  const acceptors = acceptorsWith(10);
  const [a, b] = [standIn(1), standIn(2)];
  const port = await listen(acceptors, a);
  await listen(acceptors, b);
  const clients = [connect(port), connect(port)];
  await waitFor(() => a.received.length === 1 && b.received.length === 1, "one hand-off each");
  acceptors.closeAll();
  acceptors.acknowledge(a.worker, a.received[0]!.seq, false, 0);
  acceptors.detach(b.worker); // b exits without acknowledging
  await waitFor(() => clients.every((c) => c.closed), "both clients to be closed");
  assert.deepEqual([a.received.length, b.received.length, a.worker.pending.size, b.worker.pending.size], [1, 1, 0, 0]);
});

test("a socket whose last worker left is released when ready workers serve elsewhere, and kept after a crash", async () => {
  const deserted = acceptorsWith(10);
  const [old, fresh] = [standIn(1), standIn(2)];
  const a = await listen(deserted, old, 0);
  await listen(deserted, old, 1);
  await listen(deserted, fresh, 0); // the new code listens on the first port only
  old.worker.state = "stopped";
  deserted.detach(old.worker);
  assert.deepEqual(deserted.listening.map((l) => l.port), [a]);

  const crashed = acceptorsWith(10);
  const only = standIn(1);
  await listen(crashed, only, 0);
  await listen(crashed, only, 1);
  only.worker.state = "stopped";
  crashed.detach(only.worker);
  assert.equal(crashed.listening.length, 2, "both ports wait for the restarted worker");
});
