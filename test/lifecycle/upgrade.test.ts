/**
 * `corral upgrade`: a new primary takes over the listening sockets (inherited fds, never
 * re-bound) under continuous load, with nothing failed or refused; every pid changes, the
 * old primary exits 0; --node moves the app to another Node; a version that cannot start
 * leaves the old primary serving and the command exits 1 with the app's error.
 */
import assert from "node:assert/strict";
import { readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SupervisorSnapshot } from "../../src/status.js";
import { controlPath, controlStatus, readyPidsOf } from "../helpers/control-socket.js";
import { fixture, getJson, isAlive, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";
import { freePort } from "../helpers/daemons.js";
import { requireTool } from "../helpers/tools.js";

/** New primaries are detached from the test's process group: killed here whatever happens. */
const successors = new Set<number>();
after(() => {
  for (const pid of successors) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});


let counter = 0;

async function startVersioned(workers: number, args: string[] = [], node?: string) {
  const dir = tempDir("corral-upgrade-");
  const name = `up-${process.pid}-${++counter}`;
  const port = await freePort();
  const versionFile = join(dir, "version.json");
  const deploy = (config: object): void => writeFileSync(versionFile, JSON.stringify(config));
  deploy({ version: "v1" });
  const env = { CORRAL_HOME: join(dir, "home"), VERSION_FILE: versionFile, EVENT_LOG: join(dir, "events.log"), PORT: String(port) };
  const corral = startCorral(["start", fixture("versioned.mjs"), "--name", name, "--workers", String(workers), ...args], { env, node });
  await corral.ready(workers, 30_000);
  const socket = controlPath(env.CORRAL_HOME, name);
  const status = (): Promise<SupervisorSnapshot> => controlStatus(socket);
  const upgrade = async (args: string[] = []) => {
    const result = await runCli(["upgrade", name, ...args], { env, timeoutMs: 60_000 });
    const pid = Number(result.stdout.match(/to pid (\d+)/)?.[1]);
    if (pid) successors.add(pid);
    return { ...result, pid };
  };
  return { corral, name, port, env, deploy, status, upgrade };
}

describe("corral upgrade", () => {
  for (const workers of [2, 4]) {
    it(`hands the sockets to a new primary under load with ${workers} workers: nothing fails, every pid changes, the old exits 0`, async (t) => {
      const adminPort = await freePort();
      const app = await startVersioned(workers, ["--admin", `127.0.0.1:${adminPort}`]);
      const before = await app.status();
      let tookMs = 0;
      let baseline = "";
      const load = await underLoad(app.port, { keepAlive: 3, fresh: 2 }, async (load) => {
        await load.progress(50);
        // The same gaps without an upgrade, on this (shared) machine: what the figures below compare with.
        load.longestGapMs = load.longestNewConnectionGapMs = 0;
        await load.progress(300);
        baseline = `${load.longestGapMs} ms / ${load.longestNewConnectionGapMs} ms`;
        load.longestGapMs = load.longestNewConnectionGapMs = 0;
        app.deploy({ version: "v2" });
        const began = Date.now();
        const result = await app.upgrade();
        assert.equal(result.code, 0, result.stdout + result.stderr + app.corral.output);
        assert.match(result.stdout, new RegExp(`upgraded ${app.name}: pid ${app.corral.pid} handed its sockets to pid \\d+`));
        const { code } = await app.corral.exit(30_000);
        tookMs = Date.now() - began;
        assert.equal(code, 0, app.corral.output);
        await load.progress(100);
        const after = await app.status();
        assert.equal(after.pid, result.pid, "status answers from the new primary");
        assert.notEqual(after.pid, before.pid);
        const [old, fresh] = [readyPidsOf(before), readyPidsOf(after)];
        assert.equal(fresh.length, workers);
        for (const pid of fresh) assert.ok(!old.includes(pid), `worker ${pid} is an old one`);
        for (const pid of old) assert.ok(!isAlive(pid), `old worker ${pid} still runs`);
        assert.equal((await getJson(app.port, "/")).version, "v2", "the new primary runs the app as on disk now");
        assert.deepEqual(after.listening.map((l) => l.port), [app.port]);
        assert.equal((await getJson(adminPort, "/healthz")).pid, result.pid, "the admin socket moved over too");
      });
      t.diagnostic(`${workers} workers: upgrade → old primary's exit ${tookMs} ms; longest gap between answered requests ${load.longestGapMs} ms, between answered new connections ${load.longestNewConnectionGapMs} ms (without an upgrade: ${baseline}); ${load.summary()}`);
      assert.ok(load.ok > 200, load.summary());
    });
  }

  it("--node runs the new primary and its workers under another Node", async (t) => {
    const node24 = requireTool(t, "node24");
    if (!node24) return;
    const app = await startVersioned(2);
    await underLoad(app.port, async (load) => {
      await load.progress(50);
      const result = await app.upgrade(["--node", node24]);
      assert.equal(result.code, 0, result.stderr + app.corral.output);
      assert.equal((await app.corral.exit(30_000)).code, 0);
      const after = await app.status();
      assert.match(after.node, /^24\./);
      for (const pid of readyPidsOf(after)) assert.equal(readlinkSync(`/proc/${pid}/exe`), realpathSync(node24), `worker ${pid} runs Node 24`);
      await load.progress(50);
    });
  });

  it("a version that cannot start: the old primary and workers serve on, exit 1 with the app's error", async () => {
    const app = await startVersioned(2);
    const before = await app.status();
    await underLoad(app.port, async (load) => {
      await load.progress(50);
      app.deploy({ version: "v2", broken: true });
      const result = await app.upgrade();
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /upgrade failed, the running primary \(pid \d+\) serves on/);
      assert.match(result.stderr, /version v2 cannot start: DATABASE_URL is not set/, "the app's own error");
      await load.progress(50);
      const after = await app.status();
      assert.equal(after.pid, before.pid);
      assert.deepEqual(readyPidsOf(after), readyPidsOf(before));
      assert.equal((await getJson(app.port, "/")).version, "v1");
      // A fixed deploy goes through afterwards.
      app.deploy({ version: "v3" });
      const fixed = await app.upgrade();
      assert.equal(fixed.code, 0, fixed.stderr);
      assert.equal((await app.corral.exit(30_000)).code, 0);
      await load.progress(50);
    });
  });

  it("--balance os: the new workers join the port's SO_REUSEPORT group, the old primary exits 0", async (t) => {
    const node24 = requireTool(t, "node24");
    if (!node24) return;
    const app = await startVersioned(2, ["--balance", "os"], node24);
    const before = await app.status();
    const result = await app.upgrade();
    assert.equal(result.code, 0, result.stderr + app.corral.output);
    assert.equal((await app.corral.exit(30_000)).code, 0);
    const after = await app.status();
    assert.equal(after.balance, "os");
    for (const pid of readyPidsOf(after)) assert.ok(!readyPidsOf(before).includes(pid));
    const served = new Set<number>();
    await waitFor(async () => {
      served.add((await getJson(app.port, "/")).pid);
      return readyPidsOf(after).every((pid) => served.has(pid));
    }, "every new worker to answer on the port");
  });

  it("SIGTERM to the old primary during an upgrade stops both: the operator wanted it gone, not replaced", async () => {
    const app = await startVersioned(1);
    app.deploy({ version: "v2", startDelayMs: 1_500 });
    const upgrading = app.upgrade();
    const started = await app.corral.waitForOutput(/upgrade: started the new primary \(pid (\d+)\)/);
    const next = Number(started[1]);
    successors.add(next);
    app.corral.signal("SIGTERM");
    const result = await upgrading;
    assert.equal(result.code, 1, result.stdout + result.stderr); // the answer, or the control socket closing under it
    assert.equal((await app.corral.exit(30_000)).code, 0, app.corral.output);
    assert.match(app.corral.output, /upgrade abandoned: corral is shutting down, so the new primary \(pid \d+\) is stopped too/);
    await waitFor(() => !isAlive(next), "the new primary to be stopped too", 15_000);
  });

  it("--node that is not node: exit 1 with what happened, the old serves on", async () => {
    const app = await startVersioned(1);
    const result = await app.upgrade(["--node", "/bin/false"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /upgrade failed, the running primary \(pid \d+\) serves on: the new primary exited with code 1/);
    assert.equal((await app.status()).pid, app.corral.pid);
    assert.equal((await getJson(app.port, "/")).version, "v1");
  });

  it("bad options for the new primary (its config file changed): exit 1 with its own error, the old serves on", async () => {
    const dir = tempDir("corral-upgrade-config-");
    const port = await freePort();
    const config = join(dir, "corral.config.json");
    writeFileSync(config, JSON.stringify({ workers: 1 }));
    const env = { CORRAL_HOME: join(dir, "home"), PORT: String(port) };
    const name = `up-config-${process.pid}`;
    const corral = startCorral(["start", fixture("hello.cjs"), "--name", name, "--config", config], { env, cwd: dir });
    await corral.ready(1);
    writeFileSync(config, JSON.stringify({ workers: "lots" }));
    const result = await runCli(["upgrade", name], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /upgrade failed, the running primary \(pid \d+\) serves on: .*workers.*"lots"/);
    assert.equal((await controlStatus(controlPath(env.CORRAL_HOME, name))).pid, corral.pid);
    assert.equal((await getJson(port, "/")).pid > 0, true);
  });

  it("a bad --node is a usage error (exit 2) and changes nothing", async () => {
    const app = await startVersioned(1);
    const result = await app.upgrade(["--node", "/nonexistent/node"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--node: "\/nonexistent\/node" is not valid; expected the path of an executable node binary/);
    assert.equal((await app.status()).pid, app.corral.pid);
    await waitFor(() => isAlive(app.corral.pid), "the old primary");
  });
});
