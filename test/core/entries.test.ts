// Unmodified apps of every shape run under corral: ESM with top-level await, TypeScript,
// the node:cluster recipe, several servers, explicit hosts, port 0 and server.close().
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, getJson, request, startCorral } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

test("an ESM entry with top-level await", async () => {
  const corral = startCorral(["start", fixture("esm-tla.mjs"), "-w", "2", "--name", "esm"]);
  const port = await corral.ready(2);
  assert.equal((await getJson(port)).greeting, "hello from esm");
  await corral.stop();
});

test("a TypeScript entry on this Node (tsx on Node 20, type stripping where Node has it)", async () => {
  const corral = startCorral(["start", fixture("typed.ts"), "-w", "1", "--name", "ts"]);
  const port = await corral.ready(1);
  assert.equal((await getJson(port)).lang, "typescript");
  await corral.stop();
});

test("a TypeScript entry on Node 24 runs through Node's own type stripping", async (t) => {
  const node24 = requireTool(t, "node24");
  if (!node24) return;
  const corral = startCorral(["start", fixture("typed.ts"), "-w", "1", "--name", "ts24"], { node: node24 });
  const port = await corral.ready(1);
  assert.equal((await getJson(port)).lang, "typescript");
  await corral.stop();
});

test("an app written in the node:cluster pattern runs unchanged (cluster.isPrimary is false in workers)", async () => {
  const corral = startCorral(["start", fixture("cluster-pattern.cjs"), "-w", "2", "--name", "pattern"]);
  const port = await corral.ready(2);
  const pids = new Set<number>();
  for (let i = 0; i < 4; i++) {
    const reply = await getJson(port);
    assert.equal(reply.isWorker, true);
    pids.add(reply.pid);
  }
  assert.equal(pids.size, 2, "the app did not fork workers of its own");
  await corral.stop();
});

test("two servers on port 0 in one app each get a port shared by every worker", async () => {
  const corral = startCorral(["start", fixture("two-servers.cjs"), "-w", "2", "--name", "two"]);
  await corral.ready(2);
  const lines = [...corral.output.matchAll(/listening (\d+) (\d+)/g)];
  assert.equal(lines.length, 2);
  assert.equal(lines[0]![1], lines[1]![1], "first server: same port in both workers");
  assert.equal(lines[0]![2], lines[1]![2], "second server: same port in both workers");
  assert.notEqual(lines[0]![1], lines[0]![2], "the two servers have different ports");
  const a = await request(Number(lines[0]![1]));
  const b = await request(Number(lines[0]![2]));
  assert.match(a.body, /^a:\d+$/);
  assert.match(b.body, /^b:\d+$/);
  await corral.stop();
});

for (const host of ["127.0.0.1", "::"]) {
  test(`listen on an explicit host ${host}`, async () => {
    const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", "host"], { env: { HOST: host } });
    const port = await corral.ready(2);
    assert.ok((await getJson(port)).pid > 0);
    if (host === "::") assert.ok((await getJson(port, "/", { host: "::1" })).pid > 0);
    await corral.stop();
  });
}

test("server.address() reports the real port and server.close() stops that worker's share", async () => {
  const corral = startCorral(["start", fixture("close-server.cjs"), "-w", "2", "--name", "close"]);
  const port = await corral.ready(2);
  assert.ok(port > 0, "address().port is the primary's real port, not 0");
  assert.equal((await request(port, "/close")).body, "closing");
  await corral.waitForOutput(/server closed/);
  // The remaining worker serves everything now.
  const pids = new Set<string>();
  for (let i = 0; i < 6; i++) pids.add((await request(port)).body);
  assert.equal(pids.size, 1, `one worker still listening: ${[...pids]}`);
  await corral.stop();
});

test("ipv6Only reaches the primary's socket (IPv4 clients are refused)", async () => {
  const corral = startCorral(["start", fixture("ipv6-only.cjs"), "-w", "1", "--name", "v6only"]);
  const port = await corral.ready(1);
  assert.equal((await request(port, "/", { host: "::1" })).body, "ok");
  await assert.rejects(request(port, "/", { host: "127.0.0.1" }), /ECONNREFUSED/);
  await corral.stop();
});
