// server.maxConnections in the app: a full worker refuses a hand-off, the primary
// offers it to the other workers, and once every ready worker refused it the
// connection is closed, as plain node closes it on a full server. Refused
// hand-offs never loop between the primary and the workers.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { cpuSeconds } from "../helpers/connections.js";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, startCorral } from "../helpers/corral.js";

/** Connects; resolves "greeted" when the server wrote its line, "closed" when it closed first. */
function visit(port: number, timeoutMs: number): Promise<{ outcome: "greeted" | "closed" | "timed out"; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => resolve({ outcome: "timed out", socket }), timeoutMs);
    socket.on("error", () => {});
    socket.once("data", () => {
      clearTimeout(timer);
      resolve({ outcome: "greeted", socket });
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ outcome: "closed", socket });
    });
  });
}

test("maxConnections 5 per worker, 20 clients: 10 are served, the other 10 are closed, and the primary stays idle", async () => {
  const name = "max-connections";
  const corral = startCorral(["start", fixture("max-connections.cjs"), "--workers", "2", "--name", name], { env: { MAX_CONNECTIONS: "5" } });
  const port = await corral.ready(2);
  const { pid } = await controlStatus(controlPath(corral.home, name));
  const cpuBefore = cpuSeconds(pid);
  const visits = await Promise.all(Array.from({ length: 20 }, () => visit(port, 10_000)));
  const count = (outcome: string): number => visits.filter((v) => v.outcome === outcome).length;
  assert.deepEqual({ greeted: count("greeted"), closed: count("closed"), timedOut: count("timed out") }, { greeted: 10, closed: 10, timedOut: 0 });

  // With the clients idle, the primary has nothing left to do (a refusal loop burnt a core here).
  const windowStart = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // a measurement window, not a wait for a condition
  const idleCpu = cpuSeconds(pid) - windowStart;
  console.log(`# primary CPU: ${(windowStart - cpuBefore).toFixed(2)} s while 20 clients connected, ${idleCpu.toFixed(2)} s in the 2 s after`);
  assert.ok(idleCpu < 0.3, `primary used ${idleCpu} CPU-s in 2 s with idle clients`);
  for (const v of visits) v.socket.destroy();
  await corral.stop();
});

test("maxConnections 0 means what it means to the running Node (no limit on Node 20, refuse all from Node 21)", async () => {
  // Plain node first, in this process: the rule to follow.
  const plain = net.createServer((socket) => socket.end("hi\n"));
  plain.maxConnections = 0;
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  const expected = (await visit((plain.address() as net.AddressInfo).port, 5_000)).outcome;
  plain.close();

  const name = "max-connections-zero";
  const corral = startCorral(["start", fixture("max-connections.cjs"), "--workers", "1", "--name", name], { env: { MAX_CONNECTIONS: "0" } });
  const port = await corral.ready(1);
  const { outcome, socket } = await visit(port, 5_000);
  socket.destroy();
  console.log(`# maxConnections 0 on Node ${process.versions.node}: plain node ${expected}, corral ${outcome}`);
  assert.equal(outcome, expected);
  await corral.stop();
});
