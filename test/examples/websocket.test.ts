// examples/websocket runs as users run it (cd there, `corral start`, options from its
// corral.config.json: least-connections): WebSocket clients spread evenly and messages echo.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import WebSocket from "ws";
import { ROOT, startCorral } from "../helpers/corral.js";
import { waitForConnections } from "../helpers/held.js";

const EXAMPLE = join(ROOT, "examples/websocket");

interface Client { socket: WebSocket; worker: number; pid: number }

function connect(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 10_000 });
    socket.once("error", reject);
    socket.once("message", (data) => {
      const hello = JSON.parse(String(data)) as { type: string; worker: number; pid: number };
      assert.equal(hello.type, "hello");
      resolve({ socket, worker: hello.worker, pid: hello.pid });
    });
  });
}

function echo(client: Client, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no echo within 10 s")), 10_000);
    client.socket.once("message", (data) => {
      clearTimeout(timer);
      resolve(String(data));
    });
    client.socket.send(text);
  });
}

test("websocket example: clients spread evenly over the workers (least-connections) and echo works", async () => {
  const corral = startCorral(["start", "--workers", "2"], { cwd: EXAMPLE, env: { PORT: "0" } });
  const port = await corral.ready(2);
  assert.match(corral.output, /\(least-connections\)/, "the example's config picks least-connections");

  const clients: Client[] = [];
  for (let i = 0; i < 20; i++) clients.push(await connect(port));
  const perWorker = new Map<number, number>();
  for (const c of clients) perWorker.set(c.worker, (perWorker.get(c.worker) ?? 0) + 1);
  assert.deepEqual([...perWorker.values()], [10, 10], `20 clients, 10 per worker: ${[...perWorker]}`);

  // Clients on worker 1 leave; the next ones fill worker 1 back up rather than alternating.
  const leaving = clients.filter((c) => c.worker === 1).slice(0, 6);
  await Promise.all(leaving.map((c) => new Promise((r) => { c.socket.once("close", r); c.socket.close(); })));
  const staying = clients.filter((c) => !leaving.includes(c));
  // The worker reports the closes to the primary; wait until they are in (heartbeats show them too).
  await waitForConnections("websocket", corral.home, 1, 4);
  const next: Client[] = [];
  for (let i = 0; i < 6; i++) next.push(await connect(port));
  assert.deepEqual(next.map((c) => c.worker), [1, 1, 1, 1, 1, 1], "new clients go to the emptier worker");

  assert.equal(await echo(staying[0]!, "hello over corral"), "hello over corral");
  assert.equal(await echo(next[0]!, "and again"), "and again");

  // Shutdown with clients connected: the example's shutdown hook closes them with 1001 (going
  // away) so workers drain at once instead of waiting for --kill-timeout.
  const open = [...staying, ...next];
  const codes = Promise.all(open.map((c) => new Promise<number>((r) => c.socket.once("close", (code) => r(code)))));
  corral.signal("SIGTERM");
  assert.deepEqual(new Set(await codes), new Set([1001]));
  assert.equal((await corral.exit()).code, 0);
  assert.doesNotMatch(corral.output, /SIGKILL/);
});
