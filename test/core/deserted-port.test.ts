// A reload to code that no longer listens on one of the app's ports releases that
// port once the old workers are gone (it was kept bound, accepting connections
// nobody would serve). A crash keeps it: connections wait for the next worker.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

test("a reload to code that stopped listening on a port releases that port; the other keeps serving", async () => {
  const onePort = join(tempDir(), "one-port");
  const name = "deserted-port";
  const corral = startCorral(["start", fixture("ports-by-version.cjs"), "--workers", "2", "--name", name], { env: { ONE_PORT: onePort } });
  await corral.ready(2);
  const [, a, b] = (await corral.waitForOutput(/listening (\d+) (\d+)/)).map(Number);
  assert.equal((await request(b!)).body, "b");

  writeFileSync(onePort, "");
  const reload = await runCli(["reload", name], { env: { CORRAL_HOME: corral.home } });
  assert.equal(reload.code, 0, reload.stderr);
  const socket = controlPath(corral.home, name);
  await waitFor(async () => (await controlStatus(socket)).workers.length === 2, "the old workers to be gone");
  await waitFor(() => refused(b!), `port ${b} to be released`);
  assert.deepEqual((await controlStatus(socket)).listening.map((l) => l.port), [a]);
  assert.equal((await request(a!)).body, "a");
  await corral.stop();
});
