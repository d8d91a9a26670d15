// A worker that dies is out of rotation at once and replaced; the service keeps answering.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, getJson, isAlive, startCorral, waitFor } from "../helpers/corral.js";

test("a SIGKILLed worker is replaced and the service keeps answering", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "restart"]);
  const port = await corral.ready(2);
  const first = await getJson(port);
  process.kill(first.pid, "SIGKILL");
  const killedAt = Date.now();
  // Every request while the replacement starts must still be answered by the other worker.
  const answered: number[] = [];
  await waitFor(async () => {
    const reply = await getJson(port);
    answered.push(reply.pid);
    return (corral.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 3;
  }, "the replacement to be ready", 10_000);
  const replacedMs = Date.now() - killedAt;
  assert.ok(!answered.includes(first.pid), "no connection was handed to the dead worker");
  assert.match(corral.output, new RegExp(`worker \\d \\(pid ${first.pid}\\) exited with signal SIGKILL`));
  assert.match(corral.output, /restarting worker \d in \d+ ms/);
  const pids = new Set<number>();
  for (let i = 0; i < 6; i++) pids.add((await getJson(port)).pid);
  assert.equal(pids.size, 2, "two workers serve again");
  assert.ok(!pids.has(first.pid));
  assert.ok(!isAlive(first.pid));
  console.log(`# replacement (kill → ready) observed within ${replacedMs} ms`);
  await corral.stop();
});

test("an app that crashes at start ends with exit 1, its own error and a bounded number of forks", async () => {
  const corral = startCorral([
    "start", fixture("crash-at-start.cjs"), "--workers", "2", "--name", "crashloop", "--max-restarts", "3", "--min-uptime", "5s",
  ]);
  const { code } = await corral.exit(30_000);
  assert.equal(code, 1);
  assert.match(corral.stderr, /boom: database unreachable at db:5432/, "the app's own error is shown");
  assert.match(corral.stderr, /every worker is crash-looping/);
  const restarts = corral.output.match(/restarting worker \d in \d+ ms/g)?.length ?? 0;
  assert.equal(restarts, 6, `3 restarts per slot, then errored (saw ${restarts})`);
});
