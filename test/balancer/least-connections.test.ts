// least-connections sends each new connection to the worker with the fewest open ones:
// a worker holding many long-lived connections is passed over until the others catch up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, runCli, startCorral } from "../helpers/corral.js";
import { countBy, hold, holdMany, waitForConnections } from "../helpers/held.js";

test("least-connections: after one worker's clients leave, new connections fill that worker", async () => {
  const name = "lc-close";
  const corral = startCorral(["start", fixture("tcp-hold.cjs"), "--workers", "2", "--balance", "least-connections",
    "--name", name, "--heartbeat-interval", "200ms"]);
  const port = await corral.ready(2);

  const first = await holdMany(port, 8);
  const spread = countBy(first, (h) => h.worker);
  assert.deepEqual([...spread.values()], [4, 4], `equal workers share connections evenly: ${[...spread]}`);

  // Every client of worker 1 leaves; worker 2 keeps its 4.
  for (const h of first.filter((h) => h.worker === 1)) h.socket.destroy();
  await waitForConnections(name, corral.home, 1, 0);

  // Round-robin would alternate here; least-connections gives worker 1 all four.
  const next = await holdMany(port, 4);
  assert.deepEqual(next.map((h) => h.worker), [1, 1, 1, 1]);

  for (const h of [...first, ...next]) h.socket.destroy();
  await corral.stop();
});

test("least-connections: a worker added by scale takes new connections until it holds as many as the others", async () => {
  const name = "lc-scale";
  const corral = startCorral(["start", fixture("tcp-hold.cjs"), "--workers", "1", "--balance", "least-connections", "--name", name]);
  const port = await corral.ready(1);
  const old = await holdMany(port, 5);
  assert.ok(old.every((h) => h.worker === 1));

  const scaled = await runCli(["scale", name, "2"], { env: { CORRAL_HOME: corral.home } });
  assert.equal(scaled.code, 0, scaled.stderr);

  const fresh = await holdMany(port, 5);
  assert.deepEqual(fresh.map((h) => h.worker), [2, 2, 2, 2, 2], "the empty worker takes every new connection");
  // Now 5 and 5: the next two go one to each.
  const tie = [await hold(port), await hold(port)];
  assert.deepEqual(new Set(tie.map((h) => h.worker)), new Set([1, 2]));

  for (const h of [...old, ...fresh, ...tie]) h.socket.destroy();
  await corral.stop();
});
