/**
 * `corral upgrade`: a new primary takes over the listening sockets (inherited fds, never
 * re-bound) under continuous load, with nothing failed or refused; every pid changes, the
 * old primary exits 0; --admin and --balance os move over; --node moves the app to another
 * Node. What fails, and how, is in upgrade-failures.test.ts.
 */
import assert from "node:assert/strict";
import { readlinkSync, realpathSync } from "node:fs";
import { describe, it } from "node:test";
import { readyPidsOf } from "../helpers/control-socket.js";
import { getJson, isAlive, waitFor } from "../helpers/corral.js";
import { freePort } from "../helpers/daemons.js";
import { underLoad } from "../helpers/load.js";
import { requireTool } from "../helpers/tools.js";
import { startVersioned } from "../helpers/upgrade.js";

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

  it("--node runs the new primary and its workers under another Node, and a second upgrade brings them back", async (t) => {
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
      // And back, from the primary that was itself handed the sockets (upgrades chain).
      const back = await app.upgrade(["--node", process.execPath]);
      assert.equal(back.code, 0, back.stderr);
      await waitFor(() => !isAlive(result.pid), "the Node 24 primary to exit");
      assert.equal((await app.status()).node, process.versions.node);
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

});
