// A drain that runs out of --kill-timeout SIGKILLs its worker; when that worker
// still had requests in flight, they fail, and corral says so: `corral reload`
// exits 1 with the count (it used to print "reloaded" and exit 0), and a
// shutdown logs it.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, waitFor } from "../helpers/corral.js";

/** A request that outlives the kill timeout; resolves with how it ended. */
function slowRequest(port: number): Promise<string> {
  return new Promise((resolve) => {
    http.get({ host: "127.0.0.1", port, path: "/slow?ms=20000", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(`HTTP ${res.statusCode}`));
      res.on("error", (error) => resolve(error.message));
    }).on("error", (error) => resolve(error.message));
  });
}

async function inFlight(socket: string): Promise<void> {
  await waitFor(async () => (await controlStatus(socket)).workers.some((w) => (w.stats?.inflight ?? 0) > 0), "a heartbeat that reports the request in flight");
}

test("a reload or shutdown that SIGKILLs a worker with requests in flight says so; reload exits 1", async () => {
  const name = "cut-off";
  // Heartbeats every 200 ms: the test waits for one that reports the request in flight (twice), not for
  // the default 1 s interval.
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", name, "--kill-timeout", "1s", "--heartbeat-interval", "200ms"]);
  try {
    const port = await corral.ready(1);
    const socket = controlPath(corral.home, name);

    const first = slowRequest(port);
    await inFlight(socket);
    const reload = await runCli(["reload", name], { env: { CORRAL_HOME: corral.home } });
    assert.equal(reload.code, 1, `reload must fail\n${reload.stdout}${reload.stderr}`);
    assert.match(reload.stderr, /reload done, but 1 request in flight was cut off: still running after --kill-timeout \(1000 ms\), SIGKILLed \(worker 1 \(pid \d+\): 1\); raise --kill-timeout/);
    assert.doesNotMatch(reload.stdout, /reloaded/);
    assert.notEqual(await first, "HTTP 200", "the request was indeed cut off");

    const second = slowRequest(port);
    await inFlight(socket);
    corral.signal("SIGTERM");
    assert.equal((await corral.exit()).code, 0);
    assert.match(corral.output, /shutdown, but 1 request in flight was cut off/);
    await second;
  } finally {
    corral.kill();
  }
});
