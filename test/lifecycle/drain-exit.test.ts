// A drain that did not end cleanly is not an exit 0: the worker says so with its exit code
// (src/drain-exit.ts) and the supervisor reports it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startApp } from "../helpers/lifecycle.js";

test("a shutdown hook that throws makes the drained worker exit 70, and the supervisor reports it", async () => {
  const app = await startApp([], { version: "v1", failOnShutdown: true }, 1);
  const [pid] = await app.readyPids();
  app.deploy({ version: "v2" });
  const reload = await app.cli(["reload", app.name]);
  assert.equal(reload.code, 0, reload.stderr);
  await app.corral.waitForOutput(new RegExp(`worker 1 \\(pid ${pid}\\) drained, but a shutdown hook failed \\(exit code 70`));
  assert.match(app.corral.output, /shutdown hook failed: Error: could not flush the write-behind cache/, "the hook's error is in the worker's output");
  await app.corral.stop();
});

test("a clean drain is not reported", async () => {
  const app = await startApp([], { version: "v1" }, 1);
  await app.corral.stop();
  assert.doesNotMatch(app.corral.output, /while draining|shutdown hook failed/);
});
