// `corral stop` against a corral that is PID 1 of its own pid namespace, as in a container whose
// control socket folder is shared with the host: the pid the supervisor reports (1) is the host's
// init from where the CLI runs. The stop used to wait for that pid to exit, and so always ran out
// its kill timeout and margin and exited 1 ("still running") though the supervisor had stopped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test, type TestContext } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, tempDir } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

const NAMESPACE = ["--pid", "--fork", "--mount-proc"];

/** unshare, if it can make a pid namespace here (it needs root or CAP_SYS_ADMIN); else skips loudly, or fails in CI. */
function pidNamespaceTool(t: TestContext): string | null {
  const unshare = requireTool(t, "unshare");
  if (unshare === null) return null;
  const probe = spawnSync(unshare, [...NAMESPACE, "true"], { encoding: "utf8" });
  if (probe.status === 0) return unshare;
  const why = `unshare ${NAMESPACE.join(" ")} fails here (${probe.stderr.trim() || `exit ${probe.status}`}): it needs root or CAP_SYS_ADMIN`;
  if (process.env.CI) throw new Error(why);
  process.stderr.write(`\n!! ${why} — the pid namespace test is SKIPPED !!\n\n`);
  t.skip(why);
  return null;
}

test("corral stop returns once a corral that is PID 1 in its own pid namespace has stopped", async (t) => {
  const unshare = pidNamespaceTool(t);
  if (unshare === null) return;
  const home = tempDir("corral-pidns-");
  const corral = startCorral(["start", fixture("hello.cjs"), "--name", "pidns", "--workers", "1", "--kill-timeout", "1s"], {
    wrapper: [unshare, ...NAMESPACE],
    env: { CORRAL_HOME: home },
  });
  await corral.ready(1);
  assert.equal((await controlStatus(controlPath(home, "pidns"))).pid, 1, "the supervisor is PID 1 where it runs");

  const started = Date.now();
  const stop = await runCli(["stop", "pidns"], { env: { CORRAL_HOME: home }, timeoutMs: 20_000 });
  const elapsed = Date.now() - started;
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
  assert.equal(stop.stdout, "stopped pidns\n");
  // Its kill timeout is 1 s and it has nothing to drain: the old wait ran 11 s (1 s + the 10 s margin).
  assert.ok(elapsed < 5_000, `corral stop took ${elapsed} ms`);
  const { code } = await corral.exit(10_000);
  assert.equal(code, 0, corral.output);
  assert.match(corral.output, /shutting down \(corral stop\)/);
});
