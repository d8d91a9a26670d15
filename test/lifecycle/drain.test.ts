/**
 * Draining a worker (here, the old worker of a reload): in-flight requests
 * finish, keep-alive clients are told to reconnect with `Connection: close`
 * instead of being cut, `worker.onShutdown` hooks run after the last request,
 * and a hook that never finishes is cut off at --kill-timeout.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { describe, it } from "node:test";
import { controlStatus } from "../helpers/control-socket.js";
import { gate, isAlive, waitFor, type Reply } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";
import { underLoad } from "../helpers/load.js";

function get(port: number, path: string, agent: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent, timeout: 20_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${path} timed out`)));
    req.on("error", reject);
  });
}

describe("drain", () => {
  it("an in-flight request finishes during a reload, with Connection: close, before the shutdown hook runs", async () => {
    const app = await startApp(["--kill-timeout", "20s"], { version: "v1", shutdownHookMs: 10 }, 1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warm = await get(app.port, "/", agent);
      const oldPid = JSON.parse(warm.body).pid as number;
      assert.equal(warm.headers.connection, "keep-alive");

      // Held in flight until the old worker drains, however long that takes on a loaded machine.
      const held = gate();
      const slow = get(app.port, `/slow?${held.query}`, agent);
      await waitFor(async () => (await controlStatus(app.socket)).workers.some((w) => (w.stats?.inflight ?? 0) > 0), "the slow request to be in flight", 10_000, 50);
      app.deploy({ version: "v2" });
      // The reload answers once the old worker has drained, so the gate opens while it runs.
      const reloading = app.cli(["reload", app.name]);
      await waitFor(async () => (await controlStatus(app.socket)).workers.some((w) => w.pid === oldPid && w.state === "draining"), "the old worker to drain", 15_000, 50);
      assert.ok(isAlive(oldPid), "the old worker is still finishing its request");
      assert.ok(app.events().every((line) => !line.startsWith("shutdown-hook")), "no shutdown hook ran while a request was in flight");
      held.open();
      const reload = await reloading;
      // Had --kill-timeout cut the request off, the reload would exit 1.
      assert.equal(reload.code, 0, reload.stderr);

      const reply = await slow;
      assert.equal(reply.status, 200, reply.body);
      const body = JSON.parse(reply.body);
      assert.equal(body.pid, oldPid);
      assert.equal(body.databaseOpen, true, "the shutdown hook ran before the in-flight request finished");
      assert.equal(reply.headers.connection, "close", "the keep-alive client is told to reconnect");

      // The same client's next request reconnects and lands on the new version.
      const next = await get(app.port, "/", agent);
      assert.equal(next.status, 200);
      assert.equal(JSON.parse(next.body).version, "v2");

      await waitFor(() => !isAlive(oldPid), "the old worker to exit", 15_000);
      await waitFor(() => app.events().find((line) => line.startsWith(`shutdown-hook 1 ${oldPid} `)), "the shutdown hook to run");
      assert.ok(!app.events().some((line) => line.startsWith("shutdown-hook") && !line.includes(` ${oldPid} `)), "only the old worker drained");
    } finally {
      agent.destroy();
    }
  });

  it("busy keep-alive clients are told Connection: close during a reload and none of their requests fails", async () => {
    const app = await startApp([]);
    await underLoad(app.port, { keepAlive: 4, fresh: 0 }, async (load) => {
      await load.progress(100);
      const before = load.connectionClose;
      app.deploy({ version: "v2" });
      const reload = await app.cli(["reload", app.name]);
      assert.equal(reload.code, 0, reload.stderr);
      await load.progress(100);
      assert.ok(load.connectionClose > before, `no keep-alive response carried Connection: close (${load.summary()})`);
    });
  });

  it("a shutdown hook that never finishes is cut off at --kill-timeout", async () => {
    const app = await startApp(["--kill-timeout", "1s"], { version: "v1", hangOnShutdown: true }, 1);
    const [oldPid] = await app.readyPids();
    app.deploy({ version: "v2" });
    const reload = await app.cli(["reload", app.name]);
    assert.equal(reload.code, 0, reload.stderr);
    await app.corral.waitForOutput(new RegExp(`worker 1 \\(pid ${oldPid}\\) still running after --kill-timeout; SIGKILL`), 15_000);
    await waitFor(() => !isAlive(oldPid!), "the old worker to be killed", 10_000);
    assert.ok(app.events().some((line) => line.startsWith(`shutdown-hook 1 ${oldPid} `)), "the hook had started");
  });
});
