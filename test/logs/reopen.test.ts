// SIGUSR2 reopens the log files (it used to end the primary, and every worker with it). A reopen that
// fails keeps writing to the file it had: the service never notices, `corral logs --reopen` exits 1.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus, readyPidsOf } from "../helpers/control-socket.js";
import { readLog } from "../helpers/log-files.js";
import { fixture, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";

const read = readLog;

test("SIGUSR2 reopens the log file: lines before it in the renamed file, after it in the new one; the workers stay", async () => {
  const dir = tempDir("corral-reopen-");
  const out = join(dir, "out.log");
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "usr2", "--log-file", out]);
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, "usr2");
  const pids = readyPidsOf(await controlStatus(socket));
  await request(port, "/?size=40");
  await waitFor(() => /req \d 1 /.test(read(out)), "the first line");
  renameSync(out, `${out}.1`);
  corral.signal("SIGUSR2");
  await waitFor(() => read(out).includes("reopened 1 of 1 log file"), "the reopen, in the new file");
  await request(port, "/?size=40");
  await waitFor(() => / req \d \d x+$/m.test(read(out)), "the next request's line in the new file");
  assert.equal(read(out).match(/ req \d \d x+$/gm)?.length, 1, "only the line after the reopen");
  assert.equal(read(`${out}.1`).match(/ req \d \d x+$/gm)?.length, 1, "the line before it stayed in the renamed file");
  assert.deepEqual(readyPidsOf(await controlStatus(socket)), pids, "SIGUSR2 ended no process");
  await corral.stop();
});

test("a reopen that fails (the directory is gone) is reported, keeps the old file, and keeps serving", async () => {
  const logs = join(tempDir("corral-reopen-"), "logs");
  mkdirSync(logs);
  const app = startCorral(["start", fixture("log-app.cjs"), "-w", "1", "--name", "badreopen", "--log-file", join(logs, "out.log")]);
  const port = await app.ready(1);
  rmSync(logs, { recursive: true });
  const reply = await runCli(["logs", "badreopen", "--reopen"], { env: { CORRAL_HOME: app.home } });
  assert.equal(reply.code, 1, reply.stdout + reply.stderr);
  assert.match(reply.stderr, /could not reopen .*out\.log: ENOENT/);
  app.signal("SIGUSR2");
  await app.waitForOutput(/cannot reopen log file .*out\.log: ENOENT.*still writing to the file it had open[^]*cannot reopen/);
  assert.equal((await request(port, "/")).status, 200);
  assert.equal((await controlStatus(controlPath(app.home, "badreopen"))).workersReady, 1);
  await app.stop();
});

test("a per-worker file that cannot be created when a worker restarts is reported; the worker serves, its lines are counted", async () => {
  const logs = join(tempDir("corral-reopen-"), "logs");
  mkdirSync(logs);
  const app = startCorral(["start", fixture("log-app.cjs"), "-w", "1", "--name", "perworkergone", "--log-file", join(logs, "%w-%p.log")]);
  const port = await app.ready(1);
  const socket = controlPath(app.home, "perworkergone");
  const [pid] = readyPidsOf(await controlStatus(socket));
  rmSync(logs, { recursive: true });
  process.kill(pid!, "SIGKILL");
  await app.waitForOutput(/log file .*1-\d+\.log: ENOENT.*dropped until it is reopened/);
  const status = await waitFor(async () => {
    const s = await controlStatus(socket);
    return s.workersReady === 1 && !readyPidsOf(s).includes(pid!) ? s : null;
  }, "the replacement worker ready");
  assert.equal((await request(port, "/")).status, 200);
  await waitFor(async () => (await controlStatus(socket)).logLinesDropped > status.logLinesDropped, "its request line counted as dropped");
  await app.stop();
});
