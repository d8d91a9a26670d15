// A worker that dies is out of rotation at once and replaced; the service keeps answering.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, getJson, isAlive, startCorral, waitFor } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";

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

test("once the app has served, a crash loop gets --max-restarts per slot, then exit 1 with the app's own error", async () => {
  const app = await startApp(["--max-restarts", "4", "--min-uptime", "5s"]);
  app.deploy({ version: "v2", broken: true });
  for (const pid of await app.readyPids()) process.kill(pid, "SIGKILL");
  const { code } = await app.corral.exit(30_000);
  assert.equal(code, 1);
  assert.match(app.corral.stderr, /every worker is crash-looping; the app's last error output:\n(.*\n)*  Error: version v2 cannot start: DATABASE_URL is not set/);
  const restarts = app.corral.output.match(/restarting worker \d in \d+ ms/g)?.length ?? 0;
  // Start-up failures give up after 3 attempts; an app that has served gets the full 4 restarts per slot.
  assert.equal(restarts, 2 * 4, `4 restarts per slot (saw ${restarts})`);
});
