// A worker at its file-descriptor limit keeps serving the connections it has, as a plain node
// server does: corral's heartbeat sampling (process.memoryUsage() opens /proc/self/stat, so it
// throws EMFILE there) must never throw into the app's process.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import http from "node:http";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, isAlive, startCorral, waitFor } from "../helpers/corral.js";

/** GET `path` on the agent's one kept-alive connection. */
function get(port: number, agent: http.Agent, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(JSON.parse(body)));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${path} timed out`)));
    req.on("error", reject);
  });
}

test("a worker at its fd limit (EMFILE) keeps its heartbeats and its connections", async () => {
  const name = "fd-limit";
  const corral = startCorral(["start", fixture("faulty.cjs"), "--workers", "1", "--name", name]);
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { pid } = await get(port, agent, "/");
    // As `ulimit -n 256` would have made it; then the app fills its table (as 256 connections would).
    execFileSync("prlimit", ["--pid", String(pid), "--nofile=256:256"]);
    const exhausted = await get(port, agent, "/exhaust-fds");
    assert.equal(exhausted.code, "EMFILE");
    assert.equal(exhausted.pid, pid);

    // Served over the connection it already has, while every later heartbeat samples at EMFILE.
    let served = 0;
    for (let i = 0; i < 5; i++) {
      assert.equal((await get(port, agent, "/")).pid, pid);
      served++;
    }
    const status = await waitFor(async () => {
      const now = await controlStatus(socket);
      const worker = now.workers.find((w) => w.pid === pid);
      // A heartbeat sampled after those requests: the figures moved on, so sampling survived EMFILE.
      return worker?.stats && worker.stats.requests >= served + 2 ? now : null;
    }, `a heartbeat from worker ${pid} after it reached its fd limit\n${corral.output}`, 10_000, 100);
    const worker = status.workers.find((w) => w.pid === pid)!;
    assert.equal(worker.state, "ready");
    assert.ok(worker.stats!.rss > 0, "rss keeps its last sampled value");
    assert.ok(worker.stats!.heapUsed > 0, "the heap figures come from V8");
    assert.ok(isAlive(pid), `worker ${pid} is alive\n${corral.output}`);
    assert.doesNotMatch(corral.output, /EMFILE|exited with/, corral.output);
    console.log(`# worker ${pid} at its fd limit (${exhausted.held} files held, limit 256): alive, heartbeats continue, rss reported ${worker.stats!.rss}`);
  } finally {
    agent.destroy();
  }
  await corral.stop();
});
