// --log-file / --error-file: every worker's output, in the chosen --log-format, appended to files the
// primary opens (and keeps writable when the workers run as another user); %n, %w, %p make per-worker
// files; --timestamps prefixes prefix lines with an ISO-8601 time. A file that fails never takes the
// service down.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { readLog } from "../helpers/log-files.js";
import { CLI, fixture, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
const read = readLog;

test("--log-file and --error-file with --timestamps: appended, stdout and stderr apart, each line timed", async () => {
  const dir = tempDir("corral-logfiles-");
  const out = join(dir, "out.log");
  const err = join(dir, "err.log");
  writeFileSync(out, "kept from before\n");
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "files", "--log-file", out, "--error-file", err, "--timestamps"]);
  const port = await corral.ready(2);
  await request(port, "/");
  await request(port, "/err");
  await waitFor(() => /req \d 1 /.test(read(err)) && /req \d 1 /.test(read(out)), "the request lines in the files");
  await corral.stop();

  const outLines = read(out).split("\n").filter(Boolean);
  assert.equal(outLines[0], "kept from before", "appended, not truncated");
  for (const line of outLines.slice(1)) assert.match(line, new RegExp(`^${ISO} \\[(w\\d:\\d+|corral)\\] `), line);
  assert.ok(outLines.some((l) => /\[corral\] worker 1 \(pid \d+\) ready in/.test(l)), "supervisor events are in the log file");
  assert.ok(outLines.some((l) => /\[w\d:\d+\] listening \d+$/.test(l)));
  assert.ok(outLines.some((l) => /\[corral\] stopped$/.test(l)), "the last event is written before corral exits");
  const errLines = read(err).split("\n").filter(Boolean);
  assert.ok(errLines.length > 0);
  for (const line of errLines) assert.match(line, new RegExp(`^${ISO} \\[w\\d:\\d+\\] req \\d 1 x+$`), line);
  assert.match(corral.stdout, new RegExp(`^${ISO} \\[w\\d:\\d+\\] listening`, "m"), "--timestamps on the console too");
});

test("%n, %w and %p in --log-file: one file per worker, json lines with a time; the supervisor's in the %w=corral file", async () => {
  const dir = tempDir("corral-logfiles-");
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "perworker", "--log-file", join(dir, "%n-%w-%p.log"), "--json-logs"]);
  const port = await corral.ready(2);
  const status = await controlStatus(controlPath(corral.home, "perworker"));
  for (let i = 0; i < 4; i++) await request(port, "/");
  const fileOf = (id: number) => join(dir, `perworker-${id}-${status.workers.find((w) => w.id === id)!.pid}.log`);
  await waitFor(() => read(fileOf(1)).includes("req 1 ") && read(fileOf(2)).includes("req 2 "), "both workers' request lines");
  await corral.stop();
  for (const id of [1, 2]) {
    const lines = read(fileOf(id)).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { time: string; worker: number; source: string; msg: string });
    assert.ok(lines.length >= 3);
    for (const line of lines) {
      assert.equal(line.worker, id, "only this worker's lines");
      assert.match(line.time, new RegExp(`^${ISO}$`));
    }
  }
  const supervisorFile = readdirSync(dir).find((f) => f.startsWith("perworker-corral-"));
  assert.ok(supervisorFile, `a file for the supervisor's own lines among ${readdirSync(dir).join(", ")}`);
  assert.match(read(join(dir, supervisorFile!)), /"source":"corral".*ready in/);
});

test("a log file that cannot be opened exits 2 naming the option; one that fails later (ENOSPC) is survived and counted", async () => {
  const refused = await runCli(["start", fixture("log-app.cjs"), "--log-file", "/nonexistent-corral-dir/out.log"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /--log-file: cannot open \/nonexistent-corral-dir\/out\.log: ENOENT/);
  assert.doesNotMatch(refused.stdout, /starting \d+ worker/);

  // /dev/full opens fine and fails every write with ENOSPC: a disk that filled up.
  const corral = startCorral(["start", fixture("log-app.cjs"), "-w", "2", "--name", "fullfile", "--log-file", "/dev/full"]);
  const port = await corral.ready(2);
  for (let i = 0; i < 20; i++) assert.equal((await request(port, "/")).status, 200);
  await corral.waitForOutput(/log file \/dev\/full: .*ENOSPC.*dropped until it is reopened/);
  const status = await waitFor(async () => {
    const s = await controlStatus(controlPath(corral.home, "fullfile"));
    return s.logLinesDropped >= 20 ? s : null;
  }, "the file's lost lines counted");
  assert.equal(status.workersReady, 2);
  await corral.stop();
});

const isRoot = process.getuid?.() === 0;
const canDrop = isRoot && (() => {
  try {
    execFileSync("getent", ["passwd", "nobody"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("with --user nobody the files stay the primary's: workers log into a directory only root can write", { skip: canDrop ? false : "needs root and the nobody user" }, async () => {
  const install = readableInstall(); // corral and the app where nobody can read them, wherever this clone is
  const app = install.add(fixture("log-app.cjs"));
  const logDir = tempDir("corral-root-logs-"); // 0700, root's
  const out = join(logDir, "%w.log");
  const corral = startCorral(["start", app, "-w", "1", "--name", "privlogs", "--user", "nobody", "--log-file", out], install.run);
  const port = await corral.ready(1);
  await request(port, "/");
  await waitFor(() => read(join(logDir, "1.log")).includes("req 1 1 "), "the worker's line in its file");
  await corral.stop();
});

test("stdout and stderr redirected to a file (> app.log 2>&1): every line arrives, and the last one before exit", async () => {
  const dir = tempDir("corral-redirect-");
  const file = join(dir, "app.log");
  const env = { CORRAL_HOME: join(dir, "home") };
  const fd = openSync(file, "a");
  // Not through startCorral: its stdout and stderr are pipes, and this is about a regular file.
  const child = spawn(process.execPath, [CLI, "start", fixture("log-app.cjs"), "-w", "2", "--name", "redirected"], {
    env: { ...process.env, ...env }, stdio: ["ignore", fd, fd], detached: true,
  });
  closeSync(fd);
  try {
    const port = Number((await waitFor(() => /\[w\d:\d+\] listening (\d+)/.exec(read(file)), `the app listening, in ${file}`))[1]);
    for (let i = 0; i < 6; i++) await request(port, "/?size=40");
    await waitFor(() => (read(file).match(/ req \d \d x+$/gm)?.length ?? 0) === 6, "the six request lines");
    const stopped = await runCli(["stop", "redirected"], { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(read(file), /^\[corral\] stopped$/m);
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // stopped already
    }
  }
});
