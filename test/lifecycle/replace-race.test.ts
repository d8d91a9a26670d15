// A worker that crashes while its replacement is starting (reload) must not leave an extra,
// slot-less worker behind: the replacement takes over whatever the slot holds by then.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";

test("old worker crashes during a reload: exactly one worker per slot afterwards", async () => {
  const gate = join(tempDir(), "gate");
  const corral = startCorral(["start", fixture("hello-gated.cjs"), "-w", "1", "--name", "race", "--listen-timeout", "20s"], { env: { GATE: gate } });
  await corral.ready(1);
  const oldPid = Number(corral.output.match(/worker 1 \(pid (\d+)\) ready/)![1]);
  const env = { CORRAL_HOME: corral.home };
  const socket = controlPath(corral.home, "race");
  writeFileSync(gate, ""); // new workers now wait before they listen
  const reload = runCli(["reload", "race"], { env });
  await corral.waitForOutput(/reloading 1 worker/);
  process.kill(oldPid, "SIGKILL"); // its restart (after ~100 ms) is held by the gate too
  await corral.waitForOutput(/restarting worker 1 in \d+ ms/);
  await waitFor(async () => {
    const status = await controlStatus(socket);
    return status.workers.filter((w) => w.pid > 0).length >= 2;
  }, "the replacement and the restarted worker to be starting");
  rmSync(gate);
  assert.equal((await reload).code, 0);
  const live = await waitFor(async () => {
    const status = await controlStatus(socket);
    const workers = status.workers.filter((w) => w.pid > 0);
    return workers.length === 1 ? workers : null;
  }, "a single worker to remain", 15_000);
  assert.equal(live[0].state, "ready");
  assert.equal(live[0].slotState, "running");
  await corral.stop();
});
