// The primary never blocks on, nor buffers without bound for, its own stdout/stderr: a reader that stops
// reading costs it at most --log-buffer (lines past it are dropped and counted), and a reader that goes
// away (EPIPE) costs it nothing: the service keeps serving.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { join } from "node:path";
import { fixture, isAlive, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { logSize, readLogFrom, RSS_GROWTH_BOUND, STEADY_HEAP_ENV } from "../helpers/log-files.js";
import { underLoad } from "../helpers/load.js";

const MB = 1024 * 1024;
const STALL_MS = 20_000;

test("a stalled stdout reader for 20 s under load, then a reader that exits: bounded, counted, still serving", { timeout: 90_000 }, async (t) => {
  const logFile = join(tempDir("corral-stalled-"), "out.log");
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "stalled", "--log-buffer", "1M", "--log-file", logFile], { env: STEADY_HEAP_ENV });
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, "stalled");
  const before = await controlStatus(socket);

  // Stop reading: the pipe fills, and everything corral writes from now on waits in the primary, or is dropped.
  corral.child.stdout!.pause();
  corral.child.stderr!.pause();
  let peakRss = before.primaryRss;
  const stalled = await underLoad(port, { keepAlive: 4, fresh: 0, pauseMs: 0, path: "/?size=4096" }, async (load) => {
    const until = Date.now() + STALL_MS;
    while (Date.now() < until) {
      peakRss = Math.max(peakRss, (await controlStatus(socket)).primaryRss);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(load.ok > 1000, `load ran: ${load.summary()}`);
  });
  const during = await controlStatus(socket);
  t.diagnostic(`primary RSS ${(before.primaryRss / MB).toFixed(1)} MB, peak +${((peakRss - before.primaryRss) / MB).toFixed(1)} MB while stalled`);
  assert.ok(
    peakRss - before.primaryRss < RSS_GROWTH_BOUND,
    `primary RSS grew by ${((peakRss - before.primaryRss) / MB).toFixed(1)} MB (from ${(before.primaryRss / MB).toFixed(1)} MB), bound ${RSS_GROWTH_BOUND / MB} MB`,
  );
  assert.ok(during.logLinesDropped > 0, `lines were dropped and counted (${during.logLinesDropped}) of ${stalled.ok} requests' lines`);

  // The reader reads again: it gets one notice saying how many lines it missed.
  const seen = corral.stdout.length;
  corral.child.stdout!.resume();
  await waitFor(() => /\[corral\] \d+ lines dropped: stdout did not keep up/.test(corral.stdout.slice(seen)), "the dropped-lines notice", 15_000);

  // The reader goes away: the next writes fail with EPIPE, and the service must not notice.
  corral.child.stdout!.destroy();
  corral.child.stderr!.destroy();
  const fileBefore = logSize(logFile);
  await underLoad(port, { keepAlive: 2, fresh: 1 }, async (load) => {
    await load.progress(500);
  });
  await waitFor(() => / req \d \d+ x+\n/.test(readLogFrom(logFile, fileBefore)), "the log file still gets the lines");
  const after = await controlStatus(socket);
  assert.equal(after.pid, before.pid, "the same primary answers");
  assert.ok(isAlive(before.pid));
  assert.equal(after.workersReady, 2);
  assert.ok(after.logLinesDropped > during.logLinesDropped, "lines for the vanished reader are counted as dropped");
  corral.signal("SIGTERM");
  const { code } = await corral.exit();
  assert.equal(code, 0, "and it still stops cleanly");
});
