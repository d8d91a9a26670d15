// Connections are spread round-robin over the workers, as raw handles from the primary's socket.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, getJson, startCorral } from "../helpers/corral.js";

test("connections alternate between workers (round-robin)", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "rr"]);
  const port = await corral.ready(2);
  const pids: number[] = [];
  for (let i = 0; i < 12; i++) pids.push((await getJson(port)).pid);
  const distinct = [...new Set(pids)];
  assert.equal(distinct.length, 2, `two workers answered: ${pids}`);
  // A sequential client's next connection arrives after the previous hand-off was acknowledged,
  // so round-robin never has to skip a busy worker: strict alternation.
  for (let i = 1; i < pids.length; i++) assert.notEqual(pids[i], pids[i - 1], `alternating: ${pids}`);
  await corral.stop();
});
