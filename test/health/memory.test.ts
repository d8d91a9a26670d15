// --max-memory: a worker whose rss grows over the limit is replaced by a graceful
// reload of that one worker: a new worker is ready before the old one drains, so
// no request fails, on that worker or on the others.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { controlPath, controlStatus, readyPids } from "../helpers/control-socket.js";
import { fixture, getJson, isAlive, startCorral, waitFor } from "../helpers/corral.js";
import { Load } from "../helpers/load.js";
import { mark, since } from "../helpers/output-mark.js";

const LIMIT_MB = 160;

test("a worker over --max-memory is replaced gracefully, with no failed requests", async () => {
  const name = "memory";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "2", "--name", name, "--max-memory", `${LIMIT_MB}M`]);
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, name);
  const before = await readyPids(socket);
  assert.equal(before.length, 2);

  // Keep-alive clients and a connection-per-request client, none retrying.
  const load = new Load(port).start();
  after(() => load.stop()); // also when an assertion fails first
  await load.progress(20);

  const offset = mark(corral);
  const leaked = await getJson<{ pid: number; rss: number }>(port, `/leak?mb=${LIMIT_MB}`);
  const leakedAt = Date.now();
  assert.ok(leaked.rss > LIMIT_MB * 1024 * 1024, `the leak took rss to ${leaked.rss} bytes`);
  assert.ok(before.includes(leaked.pid));

  const over = await waitFor(
    () => since(corral, offset).match(new RegExp(`worker (\\d) \\(pid ${leaked.pid}\\) over --max-memory \\(rss ([\\d.]+) MB > ([\\d.]+) MB\\): replacing it`)),
    "the memory watchdog to act",
    15_000,
  );
  assert.equal(Number(over[3]), LIMIT_MB, "the limit, in MB");
  const slot = Number(over[1]);
  const ready = await waitFor(() => since(corral, offset).match(new RegExp(`worker ${slot} \\(pid (\\d+)\\) ready in \\d+ ms`)), "the replacement to be ready", 15_000);
  const replacedMs = Date.now() - leakedAt;
  await waitFor(() => !isAlive(leaked.pid), "the bloated worker to drain and exit", 20_000);
  await load.progress(20);
  await load.stop();

  assert.equal(load.failed, 0, `no request failed: ${load.summary()}`);
  // A graceful replacement, not a crash: no exit warning and no restart for that worker.
  assert.doesNotMatch(corral.output, new RegExp(`\\(pid ${leaked.pid}\\) exited with`));
  assert.doesNotMatch(since(corral, offset), /restarting worker/);
  const afterPids = await readyPids(socket);
  assert.equal(afterPids.length, 2);
  assert.ok(afterPids.includes(Number(ready[1])));
  assert.ok(!afterPids.includes(leaked.pid));
  const status = await controlStatus(socket);
  assert.equal(status.workers.find((w) => w.pid === Number(ready[1]))?.restarts, 0, "a memory replacement is not counted as a crash restart");
  console.log(`# max-memory ${LIMIT_MB}M: leak → replacement ready in ${replacedMs} ms; load ${load.summary()}`);

  await corral.stop();
});

test("--max-memory off (the default) leaves a big worker alone", async () => {
  const name = "memory-off";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "1", "--name", name]);
  const port = await corral.ready(1);
  const leaked = await getJson<{ pid: number; rss: number }>(port, "/leak?mb=64");
  const socket = controlPath(corral.home, name);
  // Wait for a heartbeat that reports the grown rss: the watchdog has seen it and must not act.
  await waitFor(async () => ((await controlStatus(socket)).workers[0]?.stats?.rss ?? 0) >= 64 * 1024 * 1024, "a heartbeat with the grown rss");
  assert.deepEqual(await readyPids(socket), [leaked.pid]);
  assert.doesNotMatch(corral.output, /max-memory/);
  await corral.stop();
});
