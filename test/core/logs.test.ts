// Worker output passes through line by line, prefixed with slot id and pid (or raw with --no-prefix).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, startCorral } from "../helpers/corral.js";

test("worker lines are prefixed with the worker id and pid; supervisor events share the stream", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", "logs"]);
  await corral.ready(2);
  assert.match(corral.stdout, /^\[w1:\d+\] listening \d+$/m);
  assert.match(corral.stdout, /^\[w2:\d+\] listening \d+$/m);
  assert.match(corral.stdout, /^\[corral\] worker 1 \(pid \d+\) ready in \d+ ms$/m);
  corral.signal("SIGTERM");
  await corral.exit();
});

test("--no-prefix passes worker lines through unchanged", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "1", "--name", "raw", "--no-prefix"]);
  await corral.ready(1);
  assert.match(corral.stdout, /^listening \d+$/m);
  corral.signal("SIGTERM");
  await corral.exit();
});
