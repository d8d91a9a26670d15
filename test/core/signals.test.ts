// Every signal a supervisor may meet has a defined behaviour (README: Signals): the terminal's
// signals reach the workers too and the primary alone decides; stray signals are ignored, not fatal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, isAlive, request, startCorral, tempTree } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";
import { underLoad } from "../helpers/load.js";

test("a closed terminal (SIGHUP to the whole process group) reloads without a failed request or a worker killed", async () => {
  const app = await startApp([]);
  await underLoad(app.port, async (load) => {
    await load.progress(50);
    process.kill(-app.corral.pid, "SIGHUP");
    await app.corral.waitForOutput(/reload done in \d+ ms/, 30_000);
    await load.progress(50);
  });
  assert.doesNotMatch(app.corral.output, /exited with signal SIGHUP/, "no worker died of the hangup");
  assert.doesNotMatch(app.corral.output, /restarting worker/);
  await app.corral.stop();
});

test("Ctrl-\\ (SIGQUIT to the whole process group) drains like SIGTERM and exits 0", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "sigquit"]);
  const port = await corral.ready(2);
  const slow = request(port, "/slow?ms=1000");
  await corral.waitForOutput(/slow request started/);
  process.kill(-corral.pid, "SIGQUIT");
  assert.equal((await slow).status, 200, "the in-flight request finished");
  assert.equal((await corral.exit()).code, 0, corral.output);
  assert.match(corral.output, /shutting down \(SIGQUIT\)/);
});

test("stray signals whose default would kill the primary are ignored and logged", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", "stray"]);
  const port = await corral.ready(1);
  for (const signal of ["SIGALRM", "SIGVTALRM", "SIGIO", "SIGXFSZ"] as const) {
    corral.signal(signal);
    await corral.waitForOutput(new RegExp(`${signal} ignored`));
  }
  assert.ok(isAlive(corral.pid));
  assert.equal((await request(port, "/")).status, 200);
  await corral.stop();
});

test("SIGTERM while the workers are still starting stops in order and exits 0", async () => {
  const dir = tempTree({ "slow-start.cjs": `setTimeout(() => require(${JSON.stringify(fixture("hello.cjs"))}), 3000);\n` });
  const corral = startCorral(["start", `${dir}/slow-start.cjs`, "--workers", "2", "--name", "early-term"]);
  await corral.waitForOutput(/starting 2 workers/);
  const signalledAt = Date.now();
  corral.signal("SIGTERM");
  const { code } = await corral.exit();
  assert.equal(code, 0, corral.output);
  // A booting worker gets the drain order too, instead of waiting out the 10 s --kill-timeout.
  assert.ok(Date.now() - signalledAt < 3000, `took ${Date.now() - signalledAt} ms\n${corral.output}`);
  assert.doesNotMatch(corral.output, /SIGKILL/);
});

test("SIGUSR2 to the whole group (systemctl kill -s USR2 without --kill-who=main) reopens the logs and kills no worker", async () => {
  const dir = tempTree({});
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "usr2-group", "--log-file", `${dir}/out.log`]);
  const port = await corral.ready(2);
  const slow = request(port, "/slow?ms=1000");
  await corral.waitForOutput(/slow request started/);
  process.kill(-corral.pid, "SIGUSR2");
  await corral.waitForOutput(/reopened 1 of 1 log file/);
  assert.equal((await slow).status, 200, `the request in flight finished\n${corral.output}`);
  assert.doesNotMatch(corral.output, /exited with signal SIGUSR2/, "no worker died of the log rotation signal");
  await corral.stop();
});
