// ListenRegistry: the worker side of listening through the primary, driven through the
// `cluster._getServer` it installs. The IPC channel is a recorder standing in for process.send
// (this test process has none), and servers are plain objects with net's fields.
import assert from "node:assert/strict";
import cluster from "node:cluster";
import { constants } from "node:os";
import { afterEach, beforeEach, test } from "node:test";
import { acceptorKey, CMD, type ListenReply } from "../../src/protocol.js";
import { ListenRegistry, PrimaryListenHandle, type ServerListen } from "../../src/worker/listen.js";

type Callback = (err: number, handle?: unknown) => void;
type GetServer = (server: unknown, options: Record<string, unknown>, cb: Callback) => void;
const clusterInternals = cluster as unknown as { _getServer: GetServer };

const node = process as unknown as { send?: (message: unknown) => boolean; connected?: boolean };
let sent: Array<Record<string, unknown>> = [];
let original: GetServer;
let nodePath: Array<{ options: Record<string, unknown> }> = [];

beforeEach(() => {
  sent = [];
  nodePath = [];
  node.connected = true;
  node.send = (message) => (sent.push(message as Record<string, unknown>), true);
  original = clusterInternals._getServer;
  // What the registry must fall back to for what it does not take over (pipes, fds).
  clusterInternals._getServer = (_server, options) => void nodePath.push({ options });
});

afterEach(() => {
  clusterInternals._getServer = original;
  delete node.send;
  delete node.connected;
});

interface Recorded {
  registry: ListenRegistry;
  listening: ServerListen[];
  settled: number;
}

function registry(): Recorded {
  const recorded: Recorded = { registry: null!, listening: [], settled: 0 };
  recorded.registry = new ListenRegistry({ onListening: (l) => recorded.listening.push(l), onSettled: () => recorded.settled++ });
  recorded.registry.install();
  return recorded;
}

/** A server as net passes it: ours only reads `_connections` and `maxConnections`. */
function server(connections = 0, maxConnections?: number): Record<string, unknown> {
  return { _connections: connections, maxConnections };
}

/** net's listenInCluster: the serverQuery it builds for listen(port, host). */
function tcp(address: string | null, port: number, addressType = 4, flags = 0): Record<string, unknown> {
  return { address, port, addressType, fd: undefined, flags, backlog: 0 };
}

function listen(srv: Record<string, unknown>, options: Record<string, unknown>): { calls: Array<[number, unknown]> } {
  const result = { calls: [] as Array<[number, unknown]> };
  clusterInternals._getServer(srv, options, (err, handle) => result.calls.push([err, handle]));
  return result;
}

const reply = (seq: number, error: string | null, sockname: ListenReply["sockname"] = null): ListenReply => ({ cmd: CMD, act: "listening", seq, error, sockname });
const SOCKNAME = { address: "127.0.0.1", port: 41000, family: "IPv4" };

test("a TCP listen is asked of the primary; its answer gives net a stand-in handle with the primary's address", () => {
  const recorded = registry();
  const { registry: r, listening } = recorded;
  const srv = server();
  const pending = listen(srv, tcp("127.0.0.1", 0));
  assert.deepEqual(sent, [{ cmd: CMD, act: "listen", seq: 1, key: acceptorKey("127.0.0.1", 0, 4, 0), address: "127.0.0.1", port: 0, addressType: 4, backlog: 0, ipv6Only: false }]);
  assert.equal(r.pendingCount, 1);
  assert.deepEqual(pending.calls, [], "net waits for the primary");
  assert.equal(recorded.settled, 0);

  r.settle(reply(1, null, SOCKNAME));
  assert.equal(r.pendingCount, 0);
  const [[err, handle]] = pending.calls as [[number, PrimaryListenHandle]];
  assert.equal(err, 0);
  assert.ok(handle instanceof PrimaryListenHandle);
  assert.equal(handle.server, srv);
  assert.equal(handle.listen(), 0, "net's handle.listen(backlog) succeeds");
  const out: Record<string, unknown> = {};
  assert.equal(handle.getsockname(out), 0);
  assert.deepEqual(out, SOCKNAME, "server.address() reports the primary's socket (port 0 resolved)");
  assert.equal(r.handles.get(acceptorKey("127.0.0.1", 0, 4, 0)), handle);
  assert.deepEqual(listening, [handle]);
  assert.equal(recorded.settled, 1);
});

test("pipes and inherited fds keep node's own cluster path", () => {
  const { registry: r } = registry();
  listen(server(), { address: "/tmp/app.sock", port: -1, addressType: -1, fd: undefined, backlog: 0 });
  listen(server(), { address: null, port: null, addressType: null, fd: 3, backlog: 0 });
  listen(server(), { ...tcp(null, 8080), fd: 7 });
  assert.equal(nodePath.length, 3);
  assert.deepEqual(sent, []);
  assert.equal(r.pendingCount, 0);
});

test("each server on the same address and port gets its own index; a freed index is taken again", () => {
  const { registry: r } = registry();
  listen(server(), tcp(null, 0));
  listen(server(), tcp(null, 0));
  listen(server(), tcp(null, 0, 6));
  assert.deepEqual(sent.map((m) => m.key), [acceptorKey(null, 0, 4, 0), acceptorKey(null, 0, 4, 1), acceptorKey(null, 0, 6, 0)]);
  r.settle(reply(1, null, SOCKNAME));
  const first = r.handles.get(acceptorKey(null, 0, 4, 0)) as PrimaryListenHandle;
  first.close();
  listen(server(), tcp(null, 0));
  assert.equal(sent.at(-1)!.key, acceptorKey(null, 0, 4, 0), "index 0 again after its server closed");
});

test("a refused listen gives net the negative errno and frees the index; an unknown error name is EINVAL", () => {
  const recorded = registry();
  const { registry: r, listening } = recorded;
  const inUse = listen(server(), tcp("127.0.0.1", 80));
  const odd = listen(server(), tcp("127.0.0.1", 80));
  r.settle(reply(1, "EADDRINUSE"));
  r.settle(reply(2, "ENOTANERRNO"));
  assert.deepEqual(inUse.calls, [[-constants.errno.EADDRINUSE, undefined]]);
  assert.deepEqual(odd.calls, [[-constants.errno.EINVAL, undefined]]);
  assert.deepEqual(listening, []);
  assert.equal(recorded.settled, 2, "readiness hears of failed listens too");
  listen(server(), tcp("127.0.0.1", 80));
  assert.equal(sent.at(-1)!.key, acceptorKey("127.0.0.1", 80, 4, 0));
  assert.equal(r.handles.size, 0);
});

test("a reply to no pending request (repeated, forged) is ignored", () => {
  const recorded = registry();
  const r = recorded.registry;
  const pending = listen(server(), tcp(null, 0));
  r.settle(reply(99, null, SOCKNAME));
  r.settle(reply(1, null, SOCKNAME));
  r.settle(reply(1, null, SOCKNAME));
  assert.equal(pending.calls.length, 1);
  assert.equal(recorded.settled, 1);
});

test("ipv6Only is read from net's flags (UV_TCP_IPV6ONLY)", () => {
  registry();
  listen(server(), tcp("::", 0, 6, 1));
  listen(server(), tcp("::", 0, 6, 0));
  listen(server(), { ...tcp("::", 0, 6), flags: undefined });
  assert.deepEqual(sent.map((m) => m.ipv6Only), [true, false, false]);
});

test("close() releases the key and tells the primary once, then calls back", async () => {
  const { registry: r } = registry();
  listen(server(), tcp(null, 3000));
  r.settle(reply(1, null, SOCKNAME));
  const handle = r.handles.get(acceptorKey(null, 3000, 4, 0)) as PrimaryListenHandle;
  let calledBack = 0;
  handle.close(() => calledBack++);
  handle.close();
  assert.equal(handle.closed, true);
  assert.equal(r.handles.size, 0);
  assert.deepEqual(sent.filter((m) => m.act === "close"), [{ cmd: CMD, act: "close", key: acceptorKey(null, 3000, 4, 0) }]);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(calledBack, 1);
});

test("a hand-off is given to the server and acknowledged with the open connections; otherwise refused and closed", () => {
  const { registry: r } = registry();
  const open = server(2);
  const full = server(5, 5);
  listen(open, tcp(null, 3000));
  listen(full, tcp(null, 4000));
  r.settle(reply(1, null, SOCKNAME));
  r.settle(reply(2, null, SOCKNAME));
  const openHandle = r.handles.get(acceptorKey(null, 3000, 4, 0)) as PrimaryListenHandle;
  const fullHandle = r.handles.get(acceptorKey(null, 4000, 4, 0)) as PrimaryListenHandle;
  const delivered: unknown[] = [];
  openHandle.onconnection = (_err, client) => delivered.push(client);
  fullHandle.onconnection = (_err, client) => delivered.push(client);
  assert.equal(r.connectionCount(), 7);

  const client = (): { closed: boolean; close(): void } => ({ closed: false, close() { this.closed = true; } });
  const acks = (): unknown[] => sent.filter((m) => m.act === "ack").map(({ seq, accepted, connections }) => ({ seq, accepted, connections }));

  const accepted = client();
  r.accept({ cmd: CMD, act: "conn", key: openHandle.key, seq: 10 }, accepted, false);
  assert.deepEqual(delivered, [accepted]);
  assert.equal(accepted.closed, false);

  const refusing = client(); // the worker is draining
  r.accept({ cmd: CMD, act: "conn", key: openHandle.key, seq: 11 }, refusing, true);
  const overMax = client(); // server.maxConnections reached
  r.accept({ cmd: CMD, act: "conn", key: fullHandle.key, seq: 12 }, overMax, false);
  const unknown = client(); // a key this worker does not listen on (any more)
  r.accept({ cmd: CMD, act: "conn", key: "nope:1:4:0", seq: 13 }, unknown, false);
  openHandle.close();
  const closedServer = client();
  r.accept({ cmd: CMD, act: "conn", key: openHandle.key, seq: 14 }, closedServer, false);

  assert.deepEqual(delivered, [accepted], "nothing else reached a server");
  for (const c of [refusing, overMax, unknown, closedServer]) assert.equal(c.closed, true, "a refused connection's copy is closed here");
  assert.deepEqual(acks(), [
    { seq: 10, accepted: true, connections: 8 },
    { seq: 11, accepted: false, connections: 7 },
    { seq: 12, accepted: false, connections: 7 },
    { seq: 13, accepted: false, connections: 7 },
    { seq: 14, accepted: false, connections: 5 },
  ]);
});

test("a handle net has not wired yet (no onconnection) refuses, so the primary re-distributes", () => {
  const { registry: r } = registry();
  listen(server(), tcp(null, 3000));
  r.settle(reply(1, null, SOCKNAME));
  let closed = false;
  r.accept({ cmd: CMD, act: "conn", key: acceptorKey(null, 3000, 4, 0), seq: 1 }, { close: () => (closed = true) }, false);
  assert.equal(closed, true);
  assert.equal(sent.at(-1)!.accepted, false);
});

test("maxConnections follows the running Node's own rule: 0 is no limit on Node 20, refuses everything from 21", () => {
  const { registry: r } = registry();
  listen(server(0, 0), tcp(null, 3000));
  r.settle(reply(1, null, SOCKNAME));
  const handle = r.handles.get(acceptorKey(null, 3000, 4, 0)) as PrimaryListenHandle;
  const delivered: unknown[] = [];
  handle.onconnection = (_err, client) => delivered.push(client);
  let closed = false;
  r.accept({ cmd: CMD, act: "conn", key: handle.key, seq: 1 }, { close: () => (closed = true) }, false);
  const zeroRefuses = Number(process.versions.node.split(".")[0]) >= 21;
  assert.equal(sent.at(-1)!.accepted, !zeroRefuses);
  assert.equal(closed, zeroRefuses);
  assert.equal(delivered.length, zeroRefuses ? 0 : 1);
});
