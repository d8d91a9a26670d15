// HttpStats: the worker's per-request figures and drain marks, on real http servers in this process.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, test } from "node:test";
import { LATENCY_BUCKETS_MS } from "../../src/protocol.js";
import { HttpStats } from "../../src/worker/http-stats.js";
import { waitFor } from "../helpers/corral.js";

const servers: http.Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
});

/** An instrumented server: /hold waits until `release()`; anything else answers at once. */
async function serve(stats: HttpStats): Promise<{ server: http.Server; port: number; release(): void }> {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === "/hold") held.push(res);
    else res.end("ok");
  });
  servers.push(server);
  stats.instrument(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as net.AddressInfo).port, release: () => held.splice(0).forEach((res) => res.end("done")) };
}

function get(port: number, path: string, agent: http.Agent | false = false): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    }).on("error", reject);
  });
}

const total = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);

test("counts requests when their response closes, in flight until then, with a latency bucket each", async () => {
  const stats = new HttpStats();
  const { port, release } = await serve(stats);
  assert.equal(stats.latencyCounts.length, LATENCY_BUCKETS_MS.length + 1, "one bucket per bound, and +Inf");
  const held = get(port, "/hold");
  await waitFor(() => stats.inflight === 1, "the held request in flight");
  assert.equal(stats.requests, 0, "a request counts once answered");
  await get(port, "/");
  await waitFor(() => stats.requests === 1, "the quick request counted");
  assert.equal(stats.inflight, 1);
  const heldSince = performance.now();
  await new Promise((r) => setTimeout(r, 30));
  release();
  await held;
  await waitFor(() => stats.requests === 2 && stats.inflight === 0, "both counted, none in flight");
  assert.equal(total(stats.latencyCounts), 2);
  // The held one took at least 30 ms: above the 25 ms bound, so in the 50 ms bucket or later.
  const slowest = stats.latencyCounts.findLastIndex((n) => n > 0);
  assert.ok(slowest >= LATENCY_BUCKETS_MS.indexOf(50), `held request in bucket ${slowest}: ${stats.latencyCounts}`);
  assert.ok(stats.latencySumMs >= 30 && stats.latencySumMs <= performance.now() - heldSince + 1_000, `sum ${stats.latencySumMs} ms`);
});

test("a request whose client goes away before the answer leaves flight and is counted", async () => {
  const stats = new HttpStats();
  const { port } = await serve(stats);
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  await waitFor(() => stats.inflight === 1, "the request in flight");
  socket.destroy();
  await waitFor(() => stats.inflight === 0, "the request out of flight");
  assert.equal(stats.requests, 1);
});

test("whenIdle resolves at once when idle, else when the last in-flight request finishes", async () => {
  const stats = new HttpStats();
  await stats.whenIdle();
  const { port, release } = await serve(stats);
  const replies = [get(port, "/hold"), get(port, "/hold")];
  await waitFor(() => stats.inflight === 2, "two requests in flight");
  let idle = false;
  const whenIdle = stats.whenIdle().then(() => (idle = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, false);
  release();
  await Promise.all(replies);
  await whenIdle;
  assert.equal(stats.inflight, 0);
});

test("draining: an in-flight response not yet started and every later one carry Connection: close", async () => {
  const stats = new HttpStats();
  const { server, port, release } = await serve(stats);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal((await get(port, "/", agent)).connection, "keep-alive");
    const inFlight = get(port, "/hold", agent);
    await waitFor(() => stats.inflight === 1, "the held request in flight");
    stats.startDraining([server]);
    release();
    assert.equal((await inFlight).connection, "close", "the response in flight when drain began");
    assert.equal((await get(port, "/", agent)).connection, "close", "a request that arrives during drain");
  } finally {
    agent.destroy();
  }
});

test("once drain closes idle connections, a keep-alive connection is closed as soon as its response is sent", async () => {
  const stats = new HttpStats();
  const { server, port, release } = await serve(stats);
  server.keepAliveTimeout = 120_000; // so only drain can be what closes the connection
  const socket = net.connect(port, "127.0.0.1");
  let closed = false;
  socket.on("close", () => (closed = true));
  socket.on("error", () => {});
  let reply = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (reply += chunk));
  // Headers already being written when drain starts keep their keep-alive; the connection still goes once idle.
  socket.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  await waitFor(() => stats.inflight === 1, "the held request in flight");
  stats.closingIdle = true;
  release();
  await waitFor(() => closed, "the connection to be closed once its response was sent", 5_000);
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.equal(server.listening, true, "only the connection, not the server");
});

test("instrument is idempotent, and ignores a server that is not HTTP; startDraining skips servers it did not instrument", async () => {
  const stats = new HttpStats();
  const server = http.createServer((_req, res) => res.end("ok"));
  servers.push(server);
  stats.instrument(server);
  stats.instrument(server);
  assert.equal(server.listenerCount("request"), 2, "the app's handler and one of ours");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await get((server.address() as net.AddressInfo).port, "/");
  await waitFor(() => stats.requests === 1, "one request counted");
  assert.equal(stats.requests, 1, "counted once");

  const tcp = net.createServer();
  assert.doesNotThrow(() => stats.instrument(tcp));
  assert.equal(tcp.listenerCount("request"), 0);

  const other = new HttpStats();
  assert.doesNotThrow(() => other.startDraining([server, tcp, {}]));
  assert.equal(other.draining, true);
});
