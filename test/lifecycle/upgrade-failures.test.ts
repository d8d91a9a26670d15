/**
 * `corral upgrade` that cannot go through: a version that cannot start, bad options for the new
 * primary, a --node that is not node, a stop during the hand-over, PID 1 aside (deploy/pid1.test.ts).
 * The old primary serves on untouched (or stops, when it was told to), and the command says why.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { controlPath, controlStatus, readyPidsOf } from "../helpers/control-socket.js";
import { fixture, getJson, isAlive, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { freePort } from "../helpers/daemons.js";
import { underLoad } from "../helpers/load.js";
import { startVersioned, successors } from "../helpers/upgrade.js";

describe("corral upgrade that fails", () => {
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
