/**
 * The control plane as an operator uses it: `corral status|reload|scale|stop`
 * against supervisors started by the real CLI, over their real unix sockets.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { SupervisorSnapshot } from "../../src/status.js";
import { CLI, fixture, isAlive, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";

function home(): string {
  return join(tempDir("corral-cli-"), "home");
}

async function startNamed(corralHome: string, name: string, workers = 2) {
  const corral = startCorral(["start", fixture("hello.cjs"), "--name", name, "--workers", String(workers)], { env: { CORRAL_HOME: corralHome } });
  const port = await corral.ready(workers, 30_000);
  return { corral, port };
}

const cli = (corralHome: string, args: string[]) => runCli(args, { env: { CORRAL_HOME: corralHome } });

/** A socket file left behind by a supervisor that was SIGKILLed. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  assert.ok(existsSync(path));
}

describe("corral status", () => {
  it("without a name lists every running supervisor and removes stale sockets", async () => {
    const dir = home();
    const a = await startNamed(dir, "alpha", 1);
    const b = await startNamed(dir, "beta", 2);
    await staleSocket(join(dir, "ghost.sock"));

    const table = await cli(dir, ["status"]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0]!, /^NAME\s+PID\s+READY\s+UPTIME\s+RELOADS\s+LISTENING\s+STATE\s+ENTRY$/);
    assert.match(table.stdout, new RegExp(`^alpha\\s+${a.corral.pid}\\s+1/1\\s`, "m"));
    assert.match(table.stdout, new RegExp(`^beta\\s+${b.corral.pid}\\s+2/2\\s.*:${b.port}\\s+running`, "m"));
    assert.doesNotMatch(table.stdout, /ghost/);
    assert.ok(!existsSync(join(dir, "ghost.sock")), "the dead supervisor's socket was removed");

    const json = await cli(dir, ["status", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as SupervisorSnapshot[];
    assert.deepEqual(list.map((s) => [s.name, s.pid, s.workersReady]), [["alpha", a.corral.pid, 1], ["beta", b.corral.pid, 2]]);
  });

  it("says so when nothing runs (exit 0), even before CORRAL_HOME exists", async () => {
    const result = await cli(home(), ["status"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "no corral is running\n");
    const json = await cli(home(), ["status", "--json"]);
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  it("with a name prints a table of workers, and --json the snapshot", async () => {
    const dir = home();
    const { corral, port } = await startNamed(dir, "api", 2);
    for (let i = 0; i < 10; i++) await request(port, "/");
    // CPU % needs two heartbeats.
    const snapshot = await waitFor(async () => {
      const result = await cli(dir, ["status", "api", "--json"]);
      assert.equal(result.code, 0, result.stderr);
      const s = JSON.parse(result.stdout) as SupervisorSnapshot;
      return s.workers.every((w) => w.cpuPercent !== null && w.stats !== null && w.stats.requests > 0) ? s : null;
    }, "heartbeats with CPU figures", 15_000, 200);
    assert.equal(snapshot.name, "api");
    assert.equal(snapshot.pid, corral.pid);
    assert.equal(snapshot.workers.length, 2);
    assert.equal(snapshot.workers.reduce((sum, w) => sum + w.stats!.requests, 0), 10);

    const result = await cli(dir, ["status", "api"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^api: pid ${corral.pid}, up \\d+s, 2/2 workers ready, round-robin, 0 reloads, listening .*:${port}`));
    assert.match(result.stdout, /^ID\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+CPU\s+MEMORY\s+CONNS\s+REQUESTS$/m);
    for (const w of snapshot.workers) {
      assert.match(result.stdout, new RegExp(`^\\s*${w.id}\\s+${w.pid}\\s+ready\\s+\\d+s\\s+0\\s+\\d+%\\s+[\\d.]+ MB\\s+\\d+\\s+\\d+$`, "m"));
    }
  });
});

describe("corral reload / scale / stop", () => {
  it("reload and scale change the workers; stop drains an in-flight request and exits 0", async () => {
    const dir = home();
    const { corral, port } = await startNamed(dir, "web", 1);
    const reload = await cli(dir, ["reload", "web"]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.match(reload.stdout, /^reloaded web in \d+ ms\n$/);
    const scale = await cli(dir, ["scale", "web", "2"]);
    assert.equal(scale.code, 0, scale.stderr);
    assert.equal(scale.stdout, "web now runs 2 workers\n");

    const slow = request(port, "/slow?ms=1500");
    await corral.waitForOutput(/slow request started/);
    const stop = await cli(dir, ["stop", "web"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, "stopped web\n");
    assert.ok(!isAlive(corral.pid), "stop returns once the supervisor is gone");
    assert.deepEqual(await corral.exit(), { code: 0, signal: null });
    const reply = await slow;
    assert.equal(reply.status, 200, "the in-flight request finished during the drain");
    assert.ok(!existsSync(join(dir, "web.sock")), "the socket is removed");
    const after = await cli(dir, ["status", "web"]);
    assert.equal(after.code, 1);
  });

  it("unknown name exits 1 with 'no corral named X is running'", async () => {
    const dir = home();
    for (const args of [["status", "nope"], ["reload", "nope"], ["scale", "nope", "2"], ["stop", "nope"]]) {
      const result = await cli(dir, args);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr, 'corral: no corral named "nope" is running\n');
    }
  });

  it("bad arguments exit 2", async () => {
    const dir = home();
    for (const args of [["scale", "x"], ["status", "a", "b"], ["reload", "a", "b"], ["stop", "--force", "x"], ["status", "../etc"], ["status", "--jsn"]]) {
      const result = await cli(dir, args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /^corral: /);
    }
  });
});

describe("names and privacy", () => {
  it("a second corral start with a name in use exits 2; the first keeps running", async () => {
    const dir = home();
    const first = await startNamed(dir, "shared", 1);
    const second = startCorral(["start", fixture("hello.cjs"), "--name", "shared", "--workers", "1"], { env: { CORRAL_HOME: dir } });
    const { code } = await second.exit(30_000);
    assert.equal(code, 2, second.output);
    assert.match(second.stderr, /a corral named "shared" is already running/);
    assert.equal((await request(first.port, "/")).status, 200);
    assert.equal((await cli(dir, ["status", "shared"])).code, 0);
  });

  it("a name whose supervisor died (stale socket) can be started again", async () => {
    const dir = home();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await staleSocket(join(dir, "phoenix.sock"));
    const { port } = await startNamed(dir, "phoenix", 1);
    assert.equal((await request(port, "/")).status, 200);
  });

  it("CORRAL_HOME is made private (0700) and another user cannot reach the socket", async (t: TestContext) => {
    const parent = tempDir("corral-private-");
    chmodSync(parent, 0o755); // only CORRAL_HOME's own mode may protect the socket
    const dir = join(parent, "home");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755); // as if created with a lax umask
    await startNamed(dir, "secret", 1);
    assert.equal(statSync(dir).mode & 0o777, 0o700);

    if (process.getuid?.() !== 0) return t.skip("needs root to act as another user; the mode check above still ran");
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    if (spawnSync("setpriv", ["--version"]).status !== 0) return t.skip("setpriv is not installed");
    const probe = `require("net").connect(${JSON.stringify(join(dir, "secret.sock"))}).on("connect", () => { console.log("CONNECTED"); process.exit(0) }).on("error", (e) => { console.log(e.code); process.exit(0) })`;
    const readable = readableInstall(); // nobody cannot read this clone if it sits in a private directory
    const connect = spawnSync(asNobody[0]!, [...asNobody.slice(1), readable.node, "-e", probe], { encoding: "utf8", timeout: 15_000 });
    assert.equal(connect.stdout.trim(), "EACCES", connect.stderr);
    const status = spawnSync(asNobody[0]!, [...asNobody.slice(1), readable.node, readable.cli, "status", "secret"], {
      encoding: "utf8", timeout: 15_000, env: { ...process.env, CORRAL_HOME: dir }, cwd: "/",
    });
    assert.equal(status.status, 1, status.stderr);
    // The CLI does not even try a folder another user owns (its owner could have put any socket there).
    assert.match(status.stderr, /CORRAL_HOME: .* belongs to uid 0, not to this user \(uid 65534\)/);
    // Sanity: the same probe as root does connect, so EACCES above is the directory's doing.
    const asRoot = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", timeout: 15_000 });
    assert.equal(asRoot.stdout.trim(), "CONNECTED");
  });
});
