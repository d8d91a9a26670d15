// socket.io's @socket.io/cluster-adapter under corral, unmodified (examples/socketio: no
// setupPrimary() in the app, since there is no primary code): a real socket.io client on the
// websocket transport connected to worker 1 receives an io.emit() made by worker 2, and
// fetchSockets() counts every worker's clients. When a worker dies, the primary announces its
// adapter closed, so fetchSockets() on the others answers at once instead of timing out.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { io, type Socket } from "socket.io-client";
import { ROOT, startCorral, waitFor } from "../helpers/corral.js";

const EXAMPLE = join(ROOT, "examples/socketio");

function connect(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false, timeout: 10_000, localAddress } as never);
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

const ask = <T>(socket: Socket, event: string, ...args: unknown[]): Promise<T> => socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>;

test("io.emit() in worker 2 reaches a websocket client of worker 1; fetchSockets() spans workers and skips a dead one at once", async () => {
  const corral = startCorral(["start", "--workers", "2"], { cwd: EXAMPLE, env: { PORT: "0" } });
  const port = await corral.ready(2);

  // ip-hash: each loopback address lands on one worker; connect until both workers hold a client.
  const byWorker = new Map<number, { socket: Socket; pid: number }>();
  const sockets: Array<Socket & { worker?: number }> = [];
  for (let i = 0; i < 40 && byWorker.size < 2; i++) {
    const socket = await connect(port, `127.0.0.${30 + i}`);
    const me = await ask<{ worker: number; pid: number }>(socket, "whoami");
    sockets.push(Object.assign(socket, { worker: me.worker }));
    if (!byWorker.has(me.worker)) byWorker.set(me.worker, { socket, pid: me.pid });
  }
  assert.equal(byWorker.size, 2, "clients on both workers");
  const one = byWorker.get(1)!;
  const two = byWorker.get(2)!;
  assert.equal(one.socket.io.engine.transport.name, "websocket");

  const heard = new Promise<{ message: string; from: number }>((resolve) => one.socket.once("news", resolve));
  two.socket.emit("shout", "hello from worker 2");
  assert.deepEqual(await heard, { message: "hello from worker 2", from: 2 }, "worker 2's io.emit reached worker 1's client");

  assert.equal(await ask<number>(one.socket, "count"), sockets.length, "fetchSockets() on worker 1 sees every worker's clients");

  process.kill(two.pid, "SIGKILL");
  await waitFor(() => corral.output.includes(`worker 2 (pid ${two.pid}) exited`), "worker 2's exit");
  const began = Date.now();
  const local = sockets.filter((s) => s.worker === 1).length;
  assert.equal(await ask<number>(one.socket, "count"), local, "worker 1's own clients");
  assert.ok(Date.now() - began < 2000, `fetchSockets() did not wait for the dead worker (socket.io's timeout is 5 s): ${Date.now() - began} ms`);

  for (const s of sockets) s.disconnect();
  await corral.stop();
});
