/**
 * Scaling at run time under continuous keep-alive load: up adds ready workers,
 * down drains the surplus; no request fails, and a draining worker receives
 * no new connection while it finishes its in-flight requests.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { controlStatus } from "../helpers/control-socket.js";
import { gate, getJson, request, waitFor } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";
import { underLoad } from "../helpers/load.js";

describe("scale", () => {
  it("2 → 4 → 1 with zero failed requests", async () => {
    const app = await startApp([]);
    await underLoad(app.port, async (load) => {
      await load.progress(100);
      const up = await app.cli(["scale", app.name, "4"]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /now runs 4 workers/);
      const four = await app.readyPids();
      assert.equal(four.length, 4);
      assert.deepEqual((await app.status()).workers.map((w) => w.id), [1, 2, 3, 4]);
      // New workers take traffic: fresh connections reach all four.
      const seen = new Set<number>();
      await waitFor(async () => {
        seen.add((await getJson(app.port, "/")).pid);
        return four.every((pid) => seen.has(pid));
      }, `every one of ${four} to answer (saw ${[...seen]})`, 20_000, 1);

      await load.progress(100);
      const down = await app.cli(["scale", app.name, "1"]);
      assert.equal(down.code, 0, down.stderr);
      const status = await app.status();
      assert.equal(status.workersDesired, 1);
      assert.deepEqual(status.workers.map((w) => [w.id, w.state]), [[1, "ready"]], "drained workers are gone when scale returns");
      await load.progress(100);
    });
    assert.match(app.corral.output, /scaled from 2 to 4 workers/);
    assert.match(app.corral.output, /scaled from 4 to 1 worker\b/);
  });

  it("draining workers finish their requests and get no new connections", async () => {
    const app = await startApp(["--kill-timeout", "60s"], { version: "v1" }, 4);
    await underLoad(app.port, { keepAlive: 2 }, async (load) => {
      await load.progress(50);
      // Slow requests spread over all four workers, so the surplus ones have work to finish; they stay
      // in flight until the checks below are done, however long those take on a loaded machine.
      const held = gate();
      const slow = Array.from({ length: 8 }, () => request(app.port, `/slow?${held.query}`, { timeout: 60_000 }));
      await waitFor(async () => (await controlStatus(app.socket)).workers.every((w) => (w.stats?.inflight ?? 0) > 0), "a slow request on every worker", 15_000, 100);

      const scaling = app.cli(["scale", app.name, "1"]);
      // A hand-off sent to a worker just before it was retired is still its own: the worker accepts it
      // and counts it when it acknowledges, which may come after the status that first says
      // "draining". Count from once those are settled (a retired worker is no candidate, so its
      // pending hand-offs can only fall to 0).
      const draining = await waitFor(async () => {
        const workers = (await controlStatus(app.socket)).workers;
        const retired = workers.filter((w) => w.slotState === "retired");
        return retired.length === 3 && retired.every((w) => w.state === "draining" && w.pendingHandoffs === 0) ? workers : null;
      }, "three workers draining, with no hand-off outstanding", 15_000, 50);
      const keeper = draining.find((w) => w.slotState === "running")!;
      const handoffsBefore = new Map(draining.map((w) => [w.pid, w.handoffs]));

      for (let i = 0; i < 20; i++) {
        const reply = await getJson(app.port, "/");
        assert.equal(reply.pid, keeper.pid, "a new connection went to a draining worker");
      }
      const during = (await app.status()).workers;
      for (const w of during.filter((w) => w.slotState === "retired")) {
        assert.equal(w.handoffs, handoffsBefore.get(w.pid), `worker ${w.id} (draining) was handed a connection`);
        assert.equal(w.state, "draining", `worker ${w.id} left before its requests finished`);
      }
      held.open();

      const results = await Promise.all(slow);
      for (const reply of results) {
        assert.equal(reply.status, 200, reply.body);
        assert.equal(JSON.parse(reply.body).databaseOpen, true);
      }
      const done = await scaling;
      assert.equal(done.code, 0, done.stderr);
      await load.progress(50);
    });
  });

  it("refuses a worker count that is not a positive integer (exit 2), and an unknown name (exit 1)", async () => {
    const app = await startApp([], { version: "v1" }, 1);
    for (const bad of ["0", "-2", "two", "1.5", "5000"]) {
      const result = await app.cli(["scale", app.name, bad]);
      assert.equal(result.code, 2, `scale ${bad}: ${result.stderr}`);
      assert.match(result.stderr, /N: .* is not valid; expected an integer from 1 to 1024/);
    }
    const missing = await app.cli(["scale", app.name]);
    assert.equal(missing.code, 2);
    const unknown = await app.cli(["scale", "no-such-app", "2"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no corral named "no-such-app" is running/);
    assert.equal((await app.status()).workersDesired, 1);
  });
});
