/**
 * Rolling reload under continuous keep-alive load: every worker is replaced by
 * a ready new one before the old one drains, and no request fails; a version
 * that cannot start leaves the old workers serving and `corral reload` fails
 * with the app's own error; SIGHUP reloads; --reload-parallel replaces N at a time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gate, getJson, waitFor } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";
import { underLoad } from "../helpers/load.js";

describe("rolling reload", () => {
  it("3 successive reloads replace every worker with zero failed requests, and serve the new version", async () => {
    const app = await startApp([]);
    const load = await underLoad(app.port, async (load) => {
      await load.progress(100);
      let pids = await app.readyPids();
      assert.equal(pids.length, 2);
      for (const version of ["v2", "v3", "v4"]) {
        app.deploy({ version });
        const result = await app.cli(["reload", app.name]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`reloaded ${app.name} in \\d+ ms`));
        const next = await app.readyPids();
        assert.equal(next.length, 2);
        for (const pid of next) assert.ok(!pids.includes(pid), `worker ${pid} survived the reload (${pids} → ${next})`);
        pids = next;
        await load.progress(100);
        const reply = await getJson(app.port, "/");
        assert.equal(reply.version, version, "a reload re-reads the app from disk");
      }
      assert.equal((await app.status()).reloads, 3);
    });
    assert.ok(load.ok >= 400, load.summary());
  });

  it("a version that fails to start leaves the old workers serving and reload exits 1 with the app's error", async () => {
    const app = await startApp([]);
    await underLoad(app.port, async (load) => {
      await load.progress(50);
      const before = await app.readyPids();
      app.deploy({ version: "v2", broken: true });
      const failed = await app.cli(["reload", app.name]);
      assert.equal(failed.code, 1, failed.stdout + failed.stderr);
      assert.match(failed.stderr, /^corral: reload failed: worker \d \(pid \d+\) exited with code 1 before it was ready; 2 old workers keep serving$/m);
      // The app's own error, from its throw site on: the message line and then the stack.
      assert.match(failed.stderr, /versioned\.mjs:\d+\n.*if \(config\.broken\) throw/);
      assert.match(failed.stderr, /^ {2}Error: version v2 cannot start: DATABASE_URL is not set\n {6}at /m, "the app's own error reaches the operator");
      assert.deepEqual(await app.readyPids(), before, "the old workers keep serving");
      await load.progress(50);
      assert.equal((await getJson(app.port, "/")).version, "v1");
      assert.match(app.corral.output, /reload failed: .*; 2 old workers keep serving/);

      // The fix is deployed: the next reload goes through.
      app.deploy({ version: "v3" });
      const fixed = await app.cli(["reload", app.name]);
      assert.equal(fixed.code, 0, fixed.stderr);
      assert.equal((await getJson(app.port, "/")).version, "v3");
      await load.progress(50);
    });
  });

  it("SIGHUP reloads", async () => {
    const app = await startApp([]);
    await underLoad(app.port, { keepAlive: 2 }, async (load) => {
      await load.progress(50);
      const before = await app.readyPids();
      app.deploy({ version: "v2" });
      app.corral.signal("SIGHUP");
      await app.corral.waitForOutput(/reload done in \d+ ms/, 30_000);
      const after = await app.readyPids();
      assert.equal(after.length, 2);
      for (const pid of after) assert.ok(!before.includes(pid));
      assert.equal((await getJson(app.port, "/")).version, "v2");
      await load.progress(50);
    });
  });

  it("--reload-parallel 2 replaces two workers at a time, never more", async () => {
    const app = await startApp(["--reload-parallel", "2"], { version: "v1" }, 4);
    await underLoad(app.port, async (load) => {
      await load.progress(50);
      // Each new worker takes a while to listen, so workers started together overlap for sure.
      app.deploy({ version: "v2", startDelayMs: 1500 });
      const result = await app.cli(["reload", app.name]);
      assert.equal(result.code, 0, result.stderr);
      await load.progress(50);
    });
    // Replay the new version's starts and listens: at most 2 were starting at once, and 2 did.
    const events = app.events().filter((line) => line.endsWith(" v2"));
    let starting = 0;
    let most = 0;
    for (const line of events) {
      if (line.startsWith("start ")) most = Math.max(most, ++starting);
      if (line.startsWith("listen ")) starting--;
    }
    assert.equal(events.filter((l) => l.startsWith("listen ")).length, 4, events.join("\n"));
    assert.equal(most, 2, events.join("\n"));
    assert.match(app.corral.output, /reloading 4 workers, 2 at a time/);
  });

  it("a second reload while one runs is refused, not queued behind it", async () => {
    const app = await startApp([]);
    // The first reload's new worker does not listen until the second reload has been answered.
    const held = gate();
    app.deploy({ version: "v2", startGate: held.path });
    const first = app.cli(["reload", app.name]);
    await waitFor(() => /reloading 2 workers/.test(app.corral.output), "the first reload to begin");
    const second = await app.cli(["reload", app.name]);
    held.open();
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already in progress/);
    assert.equal((await first).code, 0);
  });
});
