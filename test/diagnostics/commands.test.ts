// corral profile, heap-snapshot, report and inspect against a live worker: the files parse, the
// profile holds the app's hot function, a heap snapshot under load fails no request, inspect answers
// /json/list on the printed port, and after each command the worker listens on no port of its own
// (its inspector is closed again: the worker holds no TCP listening socket, the primary owns the app's).
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { controlPath, readyPids } from "../helpers/control-socket.js";
import { fixture, getJson, isAlive, runCli, startCorral, tempDir, waitFor, type CorralProcess } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";
import { mark, since } from "../helpers/output-mark.js";
import { listeningSockets } from "../helpers/procfs.js";

const NAME = "diagnose";
let corral: CorralProcess;
let port: number;
let socket: string;
const out = tempDir("corral-diagnose-");

before(async () => {
  corral = startCorral(["start", fixture("diagnose-app.cjs"), "--workers", "2", "--name", NAME]);
  port = await corral.ready(2);
  socket = controlPath(corral.home, NAME);
});


const cli = (args: string[], timeoutMs = 30_000) => runCli(args, { env: { CORRAL_HOME: corral.home }, timeoutMs });

/** Slot `id`'s worker pid from the status. */
async function pidOf(id: number): Promise<number> {
  const status = JSON.parse((await cli(["status", NAME, "--json"])).stdout);
  return status.workers.find((w: { id: number; state: string }) => w.id === id && w.state === "ready").pid;
}

function assertNoInspector(pid: number, when: string): void {
  assert.deepEqual(listeningSockets(pid), [], `worker ${pid} listens on nothing ${when}`);
}

test("corral profile writes a .cpuprofile that parses and holds the app's hot function", async () => {
  const pid = await pidOf(1);
  const file = join(out, "w1.cpuprofile");
  const started = mark(corral);
  const profiling = cli(["profile", NAME, "1", "--duration", "2s", "-o", file]);
  // Load only once the profiler runs: code V8 optimised before has no record of what it inlined,
  // and the profile would show hotFunction's time under its caller.
  await waitFor(() => /worker 1 \(pid \d+\): CPU profile for 2000 ms/.test(since(corral, started)), "the profile to start", 10_000);
  // New connections, so round-robin gives worker 1 its share (kept-alive ones may all sit on worker 2).
  const run = await underLoad(port, { keepAlive: 0, fresh: 3, path: "/hot?ms=5" }, async () => {
    const result = await profiling;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*w1\.cpuprofile/);
  });
  const profile = JSON.parse(readFileSync(file, "utf8"));
  assert.ok(Array.isArray(profile.nodes) && Array.isArray(profile.samples) && profile.endTime > profile.startTime, "a Profiler.Profile");
  const hot = profile.nodes.filter((n: any) => n.callFrame.functionName === "hotFunction");
  assert.ok(hot.length > 0, "hotFunction is in the profile");
  assert.match(hot[0].callFrame.url, /diagnose-app\.cjs$/);
  assertNoInspector(pid, "after corral profile");
  console.log(`# profile: ${statSync(file).size} bytes, ${profile.samples.length} samples; ${run.ok} requests meanwhile`);
});

test("corral report prints node's diagnostic report of that worker", async () => {
  const pid = await pidOf(2);
  const result = await cli(["report", NAME, "2"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.header.processId, pid);
  assert.ok(Array.isArray(report.javascriptStack?.stack ?? report.javascriptStack));
  assertNoInspector(pid, "after corral report");
});

test("corral heap-snapshot under load: no request fails, the worker is replaced, the file parses", async () => {
  const old = await pidOf(2);
  const file = join(out, "w2.heapsnapshot");
  const load = await underLoad(port, { keepAlive: 3, fresh: 1, pauseMs: 2 }, async () => {
    const result = await cli(["heap-snapshot", NAME, "2", "-o", file], 60_000);
    assert.equal(result.code, 0, result.stderr + corral.output);
  });
  const snapshot = JSON.parse(readFileSync(file, "utf8"));
  assert.ok(snapshot.snapshot?.meta && Array.isArray(snapshot.nodes) && snapshot.nodes.length > 0, "a V8 heap snapshot");
  await waitFor(() => !isAlive(old), "the snapshotted worker to be gone", 10_000);
  const pids = await readyPids(socket);
  assert.equal(pids.length, 2);
  assert.ok(!pids.includes(old), "worker 2 was replaced");
  assert.ok(load.byPid.has(old), "the worker was serving before");
  console.log(`# heap snapshot: ${statSync(file).size} bytes; ${load.ok} requests, none failed`);
});

test("corral inspect prints a port that answers /json/list; --close closes it", async () => {
  const pid = await pidOf(1);
  const opened = await cli(["inspect", NAME, "1", "--allow-root", "--timeout", "1m"]);
  assert.equal(opened.code, 0, opened.stderr);
  const inspectorPort = Number(/127\.0\.0\.1:(\d+)/.exec(opened.stdout)?.[1]);
  assert.match(opened.stdout, /devtools:\/\/devtools\/bundled\/js_app\.html\?.*ws=127\.0\.0\.1:\d+\//);
  const ws = /WebSocket: (ws:\/\/\S+)/.exec(opened.stdout)?.[1];
  const list = await getJson<Array<{ webSocketDebuggerUrl: string }>>(inspectorPort, "/json/list");
  assert.equal(list[0]?.webSocketDebuggerUrl, ws);
  const closed = await cli(["inspect", NAME, "1", "--close"]);
  assert.equal(closed.code, 0, closed.stderr);
  await waitFor(() => listeningSockets(pid).length === 0, "the inspector to close", 5_000);
  assert.ok((await getJson(port, "/")).pid > 0, "still serving");
});

test("corral inspect refuses a non-loopback host, and a root worker without --allow-root", async () => {
  const host = await cli(["inspect", NAME, "1", "--host", "0.0.0.0"]);
  assert.equal(host.code, 2);
  assert.match(host.stderr, /--host: "0\.0\.0\.0" is not allowed; the inspector listens on 127\.0\.0\.1 only/);
  if (process.getuid?.() === 0) {
    const root = await cli(["inspect", NAME, "1"]);
    assert.equal(root.code, 2);
    assert.match(root.stderr, /runs as root.*--allow-root/s);
    assertNoInspector(await pidOf(1), "after a refused inspect");
  }
});

test("after all of it the supervisor drains and exits 0", async () => {
  // The helpers' own after() SIGKILLs whatever is left: the clean stop is checked here.
  await corral.stop();
});
