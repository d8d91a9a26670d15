// Worker output passes through line by line, prefixed with slot id and pid (or raw with --no-prefix).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, startCorral } from "../helpers/corral.js";

test("worker lines are prefixed with the worker id and pid; supervisor events share the stream", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", "logs"]);
  await corral.ready(2);
  // A worker's own line travels through its stdout pipe, the ready event over IPC: either may come first.
  await corral.waitForOutput(/^\[w1:\d+\] listening \d+$/m);
  await corral.waitForOutput(/^\[w2:\d+\] listening \d+$/m);
  assert.match(corral.stdout, /^\[corral\] worker 1 \(pid \d+\) ready in \d+ ms$/m);
  await corral.stop();
});

test("--no-prefix passes worker lines through unchanged", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "1", "--name", "raw", "--no-prefix"]);
  await corral.ready(1);
  await corral.waitForOutput(/^listening \d+$/m);
  await corral.stop();
});
