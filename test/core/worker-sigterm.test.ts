// SIGTERM sent to one worker (an operator's kill on the wrong pid, an OOM helper):
// the worker drains itself, the primary takes it out of rotation and keeps the
// listening socket open, so connections wait for the slot's next worker as they
// do after a crash. No client sees a refused or failed connection.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, startCorral, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";

test("SIGTERM to the only worker: no connection is refused while it drains and its successor starts", async () => {
  const name = "worker-sigterm";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", name]);
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);
  const [first] = (await controlStatus(socket)).workers;
  const load = await underLoad(port, { keepAlive: 1, fresh: 3 }, async (load) => {
    await load.progress(50);
    process.kill(first!.pid, "SIGTERM");
    await waitFor(async () => {
      const { workers } = await controlStatus(socket);
      return workers.some((w) => w.pid !== first!.pid && w.state === "ready");
    }, "a new worker to be ready", 20_000);
    await load.progress(50);
  });
  assert.ok([...load.byPid.keys()].some((pid) => pid !== first!.pid), "the successor served");
  console.log(`# SIGTERM to the only worker under load: ${load.summary()}`);
  await corral.stop();
});

test("a worker that drains on its own is not a crash: its successor starts at once, no restart is counted", async () => {
  const name = "worker-sigterm-nocrash";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", name, "--min-uptime", "500ms"]);
  await corral.ready(2);
  const socket = controlPath(corral.home, name);
  const [first] = (await controlStatus(socket)).workers;
  await waitFor(async () => ((await controlStatus(socket)).workers[0]?.uptimeMs ?? 0) >= 500, "--min-uptime to pass");
  process.kill(first!.pid, "SIGTERM");
  await waitFor(async () => {
    const { workers } = await controlStatus(socket);
    return workers.some((w) => w.id === first!.id && w.pid !== first!.pid && w.state === "ready");
  }, "the successor to be ready", 20_000);
  await waitFor(async () => !(await controlStatus(socket)).workers.some((w) => w.pid === first!.pid), "the drained worker to be gone");
  const slot = (await controlStatus(socket)).workers.find((w) => w.id === first!.id)!;
  assert.equal(slot.restarts, 0, "not counted as a crash restart");
  assert.doesNotMatch(corral.output, /restarting worker/);
  assert.match(corral.output, new RegExp(`worker ${first!.id} \\(pid ${first!.pid}\\) drains on its own \\(SIGTERM\\): starting its successor`));
  await corral.stop();
});
