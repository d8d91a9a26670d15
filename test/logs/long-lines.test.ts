// One long line costs the primary its length once (no re-splitting), and no memory beyond the line
// cap: an 80 MB line is cut at 64 KiB and marked; 80 MB with no newline at all is held no more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, startCorral, waitFor } from "../helpers/corral.js";

const MB = 1024 * 1024;
/**
 * The primary holds at most 64 KiB of a line, but reading 80 MB through a pipe allocates 80 MB of
 * 64 KiB read buffers that V8 collects in its own time (measured: +35 MB of RSS); the old splitter
 * held the whole line several times over (~1 GB).
 */
const RSS_GROWTH_BOUND = 100 * MB;
const CUT = /^\[w1:\d+\] (y+) \[… cut by corral: line longer than 65536 bytes\]$/m;

async function measure(name: string, path: string): Promise<{ cpuSeconds: number; rssGrowth: number; corral: ReturnType<typeof startCorral>; port: number }> {
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "1", "--name", name]);
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);
  const before = await controlStatus(socket);
  const reply = await request(port, path, { timeout: 60_000 });
  assert.equal(reply.status, 200);
  // The worker's write callback fired: the primary has read the 80 MB (a pipe holds 64 KiB).
  const after = await controlStatus(socket);
  return { cpuSeconds: after.primaryCpuSeconds - before.primaryCpuSeconds, rssGrowth: after.primaryRss - before.primaryRss, corral, port };
}

test("an 80 MB line: well under a second of the primary's CPU, cut at 64 KiB and marked", async () => {
  const { cpuSeconds, rssGrowth, corral } = await measure("longline", "/long?mb=80");
  const match = await waitFor(() => corral.stdout.match(CUT), "the cut line");
  assert.equal(match[1]!.length, 64 * 1024);
  assert.ok(cpuSeconds < 0.5, `the primary spent ${cpuSeconds.toFixed(3)} s of CPU on an 80 MB line`);
  assert.ok(rssGrowth < RSS_GROWTH_BOUND, `the primary grew by ${(rssGrowth / MB).toFixed(1)} MB`);
  await corral.stop();
});

test("binary garbage and broken UTF-8 on a worker's stdout and stderr: the primary reads on, the lines arrive", async () => {
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "1", "--name", "garbage"]);
  const port = await corral.ready(1);
  const reply = await request(port, "/garbage");
  assert.equal(reply.status, 200);
  await request(port, "/?size=40");
  await waitFor(() => /^\[w1:\d+\] req 1 \d+ x+$/m.test(corral.stdout), "a normal line after the garbage");
  assert.match(corral.stdout, /^\[w1:\d+\] before\uFFFD\uFFFDafter$/m, "invalid bytes become U+FFFD");
  assert.equal((await controlStatus(controlPath(corral.home, "garbage"))).workersReady, 1);
  await corral.stop();
});

test("80 MB with no newline: bounded the same way, and the worker's next line after its newline comes through", async () => {
  const { cpuSeconds, rssGrowth, corral, port } = await measure("nonewline", "/long?mb=80&newline=0");
  assert.ok(cpuSeconds < 0.5, `the primary spent ${cpuSeconds.toFixed(3)} s of CPU`);
  assert.ok(rssGrowth < RSS_GROWTH_BOUND, `the primary grew by ${(rssGrowth / MB).toFixed(1)} MB`);
  await waitFor(() => corral.stdout.match(CUT), "the cut line");
  await request(port, "/"); // "req 1 1 …" ends the long line (it is its tail)
  await request(port, "/");
  await waitFor(() => /^\[w1:\d+\] req 1 2 x+$/m.test(corral.stdout), "the line after the long one");
  assert.doesNotMatch(corral.stdout, /^\[w1:\d+\] req 1 1 /m, "the tail of the cut line is skipped");
  await corral.stop();
});
