// Servers corral does not balance (a unix socket, which node's own cluster path
// serves; `exclusive: true` or `reusePort: true`, where the worker binds its own
// socket) still make the worker ready, and are closed on reload and shutdown like any other.
import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { reusePortUnavailable } from "../../src/config/reuse-port-support.js";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";

function get(target: { socketPath: string } | { port: number }): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, host: "127.0.0.1", path: "/", agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(JSON.parse(body) as { pid: number }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

const HOW = { unix: "on a unix socket", exclusive: "with exclusive: true", "reuse-port": "with reusePort: true" } as const;

for (const mode of ["unix", "exclusive", "reuse-port"] as const) {
  // reusePort exists from Node 22.12: older Node has no such listen to test (CI runs Node 22 and 24 too).
  const skip = mode === "reuse-port" ? (reusePortUnavailable() ?? false) : false;
  test(`an app listening ${HOW[mode]} becomes ready, reloads and stops`, { skip }, async () => {
    const name = `pass-through-${mode}`;
    const socketPath = join(tempDir(), "app.sock");
    const corral = startCorral(["start", fixture("pass-through.cjs"), "--workers", "1", "--name", name, "--listen-timeout", "5s"],
      { env: { LISTEN_MODE: mode, SOCKET_PATH: socketPath } });
    await corral.waitForOutput(/ready in \d+ ms/);
    const where = (): { socketPath: string } | { port: number } => {
      const found = [...corral.output.matchAll(/listening on (\S+)/g)].at(-1)![1]!;
      return mode === "unix" ? { socketPath: found } : { port: Number(found) };
    };
    const before = await get(where());

    const reload = await runCli(["reload", name], { env: { CORRAL_HOME: corral.home } });
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    const socket = controlPath(corral.home, name);
    await waitFor(async () => {
      const { workers } = await controlStatus(socket);
      return workers.length === 1 && workers[0]!.state === "ready" && workers[0]!.pid !== before.pid;
    }, "the reloaded worker alone");
    const after = await get(where());
    assert.notEqual(after.pid, before.pid);
    const stopped = Date.now();
    await corral.stop();
    assert.ok(Date.now() - stopped < 5_000, `stop took ${Date.now() - stopped} ms`);
  });
}
