// Two `corral reload`s at once (an operator's and --restart-cron's, or SIGHUP twice): each reads the
// configuration in a child process, so both can be reading it at the same time. The one that finishes
// second must be refused as busy without touching the options the first one applied: it used to apply
// its own copy, fail on the lock, and "put back" the options it had seen before — the original ones —
// so the next worker forked (a crash's replacement) ran the old configuration.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, getJson, runCli, startCorral, tempTree, waitFor } from "../helpers/corral.js";
import { controlPath, readyPids } from "../helpers/control-socket.js";

// The config takes a while to evaluate, so two reloads started together are both reading it.
const config = (versionFile: string): string =>
  `await new Promise((resolve) => setTimeout(resolve, 400));\n` +
  `export default ${JSON.stringify({ entry: fixture("versioned.mjs"), workers: 1, env: { VERSION_FILE: versionFile } })};\n`;

test("of two reloads reading the configuration at once, the second is refused and the first's options stay", async () => {
  const dir = tempTree({
    "v1.json": JSON.stringify({ version: "v1" }),
    // The new worker takes a while to listen: the first reload still holds the lock when the second has read the file.
    "v2.json": JSON.stringify({ version: "v2", startDelayMs: 1500 }),
    "package.json": "{}",
  });
  const file = join(dir, "corral.config.mjs");
  writeFileSync(file, config(join(dir, "v1.json")));
  const corral = startCorral(["start", "--config", file, "--name", "twice"], { cwd: dir, env: { PORT: "0" } });
  const port = await corral.ready(1);
  assert.equal((await getJson(port, "/", { agent: false })).version, "v1");
  const cli = (args: string[]) => runCli(args, { env: { CORRAL_HOME: corral.home } });

  writeFileSync(file, config(join(dir, "v2.json")));
  const [a, b] = await Promise.all([cli(["reload", "twice"]), cli(["reload", "twice"])]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 1], `one reload succeeds, the other is refused\n${a.stderr}\n${b.stderr}\n${corral.output}`);
  assert.match(a.code === 0 ? b.stderr : a.stderr, /already in progress/);
  assert.equal((await getJson(port, "/", { agent: false })).version, "v2");

  // A crash's replacement is forked with the options in force: the reloaded ones.
  const [pid] = await readyPids(controlPath(corral.home, "twice"));
  process.kill(pid!, "SIGKILL");
  await waitFor(async () => {
    const pids = await readyPids(controlPath(corral.home, "twice"));
    return pids.length === 1 && pids[0] !== pid;
  }, "the crashed worker's replacement to be ready", 15_000);
  assert.equal((await getJson(port, "/", { agent: false })).version, "v2", corral.output);
  await corral.stop();
});
