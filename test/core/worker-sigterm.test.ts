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
