// `corral systemd NAME [start args]` prints a unit that runs `corral start ... --name NAME` the way systemd should.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, fixture, runCli, tempDir } from "../helpers/corral.js";

const directive = (unit: string, key: string): string[] =>
  unit.split("\n").filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1));

test("the unit drains on stop, tells systemd when it is ready, reloads with corral reload and outlasts --kill-timeout", async () => {
  const { code, stdout, stderr } = await runCli(["systemd", "api", fixture("hello.cjs"), "--workers", "2", "--kill-timeout", "30s", "--", "--max-old-space-size=256", "--", "--greeting", "hi there 100% $HOME"]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(directive(stdout, "Type"), ["notify"]);
  assert.deepEqual(directive(stdout, "NotifyAccess"), ["all"], "systemd-notify, a child process, sends the notifications");
  assert.deepEqual(directive(stdout, "KillSignal"), ["SIGTERM"]);
  assert.deepEqual(directive(stdout, "KillMode"), ["mixed"], "SIGTERM to the supervisor only, not to every worker");
  assert.deepEqual(directive(stdout, "TimeoutStopSec"), ["35"]);
  assert.deepEqual(directive(stdout, "Restart"), ["on-failure"]);
  assert.deepEqual(directive(stdout, "ExecReload"), [`${process.execPath} ${CLI} reload api`], "systemctl reload waits for the reload and fails with it");
  const [exec] = directive(stdout, "ExecStart");
  assert.equal(
    exec,
    `${process.execPath} ${CLI} start ${fixture("hello.cjs")} --workers 2 --kill-timeout 30s --name api -- --max-old-space-size=256 -- --greeting "hi there 100%% $$HOME"`,
  );
  const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  if (analyze.status === 0) {
    const file = join(tempDir(), "api.service");
    writeFileSync(file, stdout);
    const verify = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}\n${stdout}`);
  }
});

test("bad start options exit 2 before any unit is printed", async () => {
  const bad = await runCli(["systemd", "api", fixture("hello.cjs"), "--kill-timeout", "soon"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--kill-timeout/);
  assert.equal(bad.stdout, "");
  assert.equal((await runCli(["systemd"])).code, 2);
  assert.equal((await runCli(["systemd", "bad name!", fixture("hello.cjs")])).code, 2);
  const twice = await runCli(["systemd", "api", fixture("hello.cjs"), "--name", "other"]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /--name/);
});

test("the unit is resolved as its own `corral start` will be: this shell's CORRAL_* do not count", async () => {
  const { code, stdout, stderr } = await runCli(["systemd", "api", fixture("hello.cjs"), "--kill-timeout", "30s"], {
    env: { CORRAL_KILL_TIMEOUT: "60s", CORRAL_WORKERS: "not-a-number" },
  });
  assert.equal(code, 0, stderr);
  assert.deepEqual(directive(stdout, "TimeoutStopSec"), ["35"]);
});

test("a config file with several apps: the app is picked as `corral start` picks it (by entry, too)", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "corral.config.json"), JSON.stringify({
    apps: [
      { name: "web", entry: fixture("esm-tla.mjs"), killTimeout: "5s" },
      { entry: fixture("hello.cjs"), killTimeout: "60s" },
    ],
  }));
  const { code, stdout, stderr } = await runCli(["systemd", "api", fixture("hello.cjs")], { cwd: dir });
  assert.equal(code, 0, stderr);
  assert.deepEqual(directive(stdout, "TimeoutStopSec"), ["65"], "the hello.cjs app's 60 s kill timeout");
});

test("--admin-token goes to a 0600 EnvironmentFile, never into the world-readable unit or its command line", async () => {
  const token = "q'uote\"d-$ecret-token\\x";
  const file = join(tempDir(), "private", "api.env");
  const { code, stdout, stderr } = await runCli(["systemd", "api", "--environment-file", file, fixture("hello.cjs"), "--admin", "9100", `--admin-token=${token}`]);
  assert.equal(code, 0, stderr);
  assert.ok(!stdout.includes("ecret"), `no trace of the token in the unit:\n${stdout}`);
  assert.deepEqual(directive(stdout, "EnvironmentFile"), [file]);
  assert.doesNotMatch(directive(stdout, "ExecStart")[0]!, /admin-token/);
  assert.match(directive(stdout, "ExecStart")[0]!, /--admin 9100 --name api$/);
  assert.match(stderr, new RegExp(`the admin token is in ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(mode 0600\\)`));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // What systemd (and a shell, which quotes alike here) reads back is the token itself.
  const read = spawnSync("sh", ["-c", `set -a; . "${file}"; printf %s "$CORRAL_ADMIN_TOKEN"`], { encoding: "utf8" });
  assert.equal(read.stdout, token);
});

test("--socket writes NAME.socket for socket activation, and the service requires it; both verify", async () => {
  const dir = tempDir();
  const socketFile = join(dir, "api.socket");
  const { code, stdout, stderr } = await runCli(["systemd", "api", fixture("hello.cjs"), "--socket", "127.0.0.1:8080", "--socket-file", socketFile]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`wrote ${socketFile}`));
  const socket = readFileSync(socketFile, "utf8");
  assert.deepEqual(directive(socket, "ListenStream"), ["127.0.0.1:8080"]);
  assert.deepEqual(directive(socket, "Accept"), ["no"]);
  assert.deepEqual(directive(stdout, "Requires"), ["api.socket"]);
  assert.ok(!directive(stdout, "ExecStart")[0]!.includes("--socket"), "the socket flags are not start options");
  if (spawnSync("systemd-analyze", ["--version"]).status === 0) {
    const service = join(dir, "api.service");
    writeFileSync(service, stdout);
    const verify = spawnSync("systemd-analyze", ["verify", service, socketFile], { encoding: "utf8", timeout: 30_000 });
    assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
  }
  const bad = await runCli(["systemd", "api", fixture("hello.cjs"), "--socket", "99999"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--socket: "99999" is not valid; expected PORT, HOST:PORT or \[IPV6\]:PORT/);
});
