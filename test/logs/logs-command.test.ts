// `corral logs NAME [-n N] [-f] [--worker ID] [--stderr] [--json]` over the control socket: the last
// lines from the primary's ring buffer (no log file needed), then, with -f, new lines as they come.
// A -f client that stops reading is bounded by the primary, never waited for.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, runCli, startCorral, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";
import { RSS_GROWTH_BOUND, STEADY_HEAP_ENV } from "../helpers/log-files.js";

const MB = 1024 * 1024;

test("logs -n, --worker, --stderr and --json show the right lines from the ring buffer", async () => {
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "tail"]);
  const port = await corral.ready(2);
  const env = { CORRAL_HOME: corral.home };
  for (let i = 0; i < 6; i++) await request(port, "/?size=40");
  await request(port, "/err?size=40");
  await waitFor(() => /req \d 4 /.test(corral.stderr), "the stderr line");

  const last3 = await runCli(["logs", "tail", "-n", "3"], { env });
  assert.equal(last3.code, 0, last3.stderr);
  const lines = last3.stdout.split("\n").filter(Boolean);
  assert.equal(lines.length, 3, last3.stdout);
  for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[w\d:\d+\] req \d \d x*$/, line);
  assert.match(lines[2]!, /req \d 4 /, "the newest last");

  const all = await runCli(["logs", "tail"], { env });
  assert.match(all.stdout, /\[corral\] worker 1 \(pid \d+\) ready in \d+ ms/, "the supervisor's lines too (default: 50)");
  assert.ok(all.stdout.split("\n").filter(Boolean).length <= 50);

  const worker1 = await runCli(["logs", "tail", "--worker", "1", "-n", "100"], { env });
  assert.ok(worker1.stdout.includes("[w1:"));
  assert.doesNotMatch(worker1.stdout, /\[w2:|\[corral\]/, "only worker 1");

  const stderr = await runCli(["logs", "tail", "--stderr", "--json"], { env });
  const records = stderr.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { stream: string; msg: string; worker: number });
  assert.ok(records.length >= 1);
  for (const record of records) assert.equal(record.stream, "stderr");
  assert.ok(records.some((r) => /^req \d 4 /.test(r.msg)));

  const bad = await runCli(["logs", "tail", "-n", "lots"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-n: "lots" is not valid; expected an integer from 0 to 10000/);
  const reopen = await runCli(["logs", "tail", "--reopen"], { env });
  assert.equal(reopen.code, 0, reopen.stderr);
  assert.match(reopen.stdout, /tail writes no log files/);
  await corral.stop();
});

test("logs -f prints the tail, then new lines as they come, until Ctrl-C (exit 0)", async () => {
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "follow"]);
  const port = await corral.ready(2);
  const follower = startCorral(["logs", "follow", "-f", "-n", "5"], { env: { CORRAL_HOME: corral.home } });
  await follower.waitForOutput(/listening \d+/);
  await request(port, "/?size=60");
  await request(port, "/err?size=60");
  await follower.waitForOutput(/\[w\d:\d+\] req \d 1 x+\n[^]*\[w\d:\d+\] req \d \d x+/);
  follower.signal("SIGINT");
  assert.equal((await follower.exit()).code, 0);
  await corral.stop();
});

test("a -f client that never reads: the primary stays bounded and keeps serving; it may hang up any time", { timeout: 60_000 }, async () => {
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "stuckfollow"], { env: STEADY_HEAP_ENV });
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, "stuckfollow");
  const before = await controlStatus(socket);
  const stuck: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const client = net.connect(socket);
    client.on("error", () => {});
    client.write("GET /logs?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    client.pause(); // never reads: its socket buffers fill, then the primary's per-client buffer
    stuck.push(client);
  }
  let peakRss = before.primaryRss;
  await underLoad(port, { keepAlive: 4, fresh: 0, pauseMs: 0, path: "/?size=4096" }, async (load) => {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      peakRss = Math.max(peakRss, (await controlStatus(socket)).primaryRss);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(load.ok > 500, load.summary());
  });
  // 4 clients × 512K of buffer, plus the heap V8 grows for the garbage of this load (see stalled-reader.test.ts).
  assert.ok(peakRss - before.primaryRss < RSS_GROWTH_BOUND, `primary RSS grew by ${((peakRss - before.primaryRss) / MB).toFixed(1)} MB`);
  for (const client of stuck) client.destroy();
  await underLoad(port, async (load) => load.progress(200));
  const after = await controlStatus(socket);
  assert.equal(after.pid, before.pid);
  await corral.stop();
});
