// A burst of connections while every worker is healthy is served in full: the
// connections wait their turn for a worker's acknowledgement (node's
// round_robin_handle does the same); --max-queue caps only the outage queue,
// while no worker is ready. --max-queue 50 here makes an old overflow show even
// where the fd limit keeps the burst small.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { affordable, burst } from "../helpers/connections.js";
import { fixture, startCorral } from "../helpers/corral.js";

for (const balance of ["round-robin", "least-connections"]) {
  test(`${balance}: 2,000 connections opened at once against 2 ready workers are all answered, none dropped`, async () => {
    const name = `burst-${balance}`;
    const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", name, "--balance", balance, "--max-queue", "50"]);
    const port = await corral.ready(2);
    const count = affordable(2_000);
    const started = Date.now();
    const result = await burst(port, count);
    const status = await controlStatus(controlPath(corral.home, name));
    console.log(`# ${balance}: ${count} simultaneous connections: ${result.answered} answered, ${result.failed} failed, queueDropped ${status.queueDropped}, ${Date.now() - started} ms`);
    assert.equal(result.failed, 0, `failed: ${result.failures.join("; ")}`);
    assert.equal(result.answered, count);
    assert.equal(status.queueDropped, 0);
    assert.equal(status.queued, 0);
    await corral.stop();
  });
}
