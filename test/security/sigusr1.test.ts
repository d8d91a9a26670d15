// SIGUSR1 makes a bare node process open its inspector on 127.0.0.1:9229; in a root
// primary (--user) that is root for every local user who can connect to loopback.
// The supervisor takes the signal itself: it opens nothing and ends nothing.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { fixture, getJson, isAlive, startCorral, type RunOptions } from "../helpers/corral.js";
import { listeningSockets, portOf } from "../helpers/procfs.js";
import { requireTool } from "../helpers/tools.js";

async function sigusr1OpensNothing(name: string, run: RunOptions = {}): Promise<void> {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", name], run);
  try {
    const port = await corral.ready(1);
    const before = listeningSockets(corral.pid);
    assert.ok(before.some((entry) => portOf(entry) === port), `the primary listens on the app port: ${before.join(", ")}`);

    corral.signal("SIGUSR1");
    // Today's primary says it took the signal; node's own handler says "Debugger listening".
    await corral.waitForOutput(/SIGUSR1|Debugger listening/);
    // A second one, in case the first only armed something.
    corral.signal("SIGUSR1");
    const reply = await getJson<{ pid: number }>(port, "/");
    assert.ok(reply.pid > 0, "still serving");

    assert.deepEqual(listeningSockets(corral.pid), before, "no new listening socket in the primary");
    assert.ok(!listeningSockets(corral.pid).some((entry) => portOf(entry) === 9229), "no inspector port");
    assert.doesNotMatch(corral.output, /Debugger listening/);
    assert.ok(isAlive(corral.pid), "the primary still runs");
    await corral.stop(0);
  } finally {
    corral.kill();
  }
}

test("SIGUSR1 to the primary opens no inspector and ends nothing (this Node)", async () => {
  await sigusr1OpensNothing("usr1");
});

test("SIGUSR1 to the primary opens no inspector and ends nothing (Node 24)", async (t: TestContext) => {
  const node = requireTool(t, "node24");
  if (!node) return;
  await sigusr1OpensNothing("usr1-24", { node });
});
