// corral reload reads the configuration again (PM2's reload --update-env): an edited ecosystem file's env
// reaches the new workers with no failed request under load; an edit that does not validate exits 2 and
// changes nothing; a change that needs a new primary (a log file) is refused whole; instances scales.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, getJson, runCli, startCorral, tempTree, waitFor } from "../helpers/corral.js";
import { controlPath, controlStatus, readyPids } from "../helpers/control-socket.js";
import { underLoad } from "../helpers/load.js";

const ecosystem = (app: Record<string, unknown>): string =>
  `module.exports = { apps: [${JSON.stringify({ name: "api", script: "./api.cjs", instances: 2, ...app })}] };\n`;

async function greetings(port: number, workers: number): Promise<Set<string>> {
  const byPid = new Map<number, string>();
  await waitFor(async () => {
    const reply = await getJson(port, "/", { agent: false });
    byPid.set(reply.pid, reply.greeting);
    return byPid.size >= workers;
  }, "every worker to answer");
  return new Set(byPid.values());
}

test("reload applies an edited ecosystem file; a bad or unappliable edit exits 2 and changes nothing", async () => {
  const dir = tempTree({
    "ecosystem.config.js": ecosystem({ env: { GREETING: "one" } }),
    "api.cjs": readFileSync(join(ROOT, "examples/pm2/api.cjs"), "utf8"),
    "package.json": "{}",
  });
  const file = join(dir, "ecosystem.config.js");
  const corral = startCorral(["start", "ecosystem.config.js", "--name", "api"], { cwd: dir, env: { PORT: "0" } });
  const port = await corral.ready(2);
  const cli = (args: string[]) => runCli(args, { env: { CORRAL_HOME: corral.home } });
  assert.deepEqual(await greetings(port, 2), new Set(["one"]));

  writeFileSync(file, ecosystem({ env: { GREETING: "two" } }));
  await underLoad(port, async (load) => {
    await load.progress(30);
    const reloaded = await cli(["reload", "api"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    assert.match(reloaded.stdout, /reloaded api in \d+ ms \(configuration changed: env \(GREETING\)\)/);
    await load.progress(30);
  });
  assert.deepEqual(await greetings(port, 2), new Set(["two"]));
  const pids = await readyPids(controlPath(corral.home, "api"));

  writeFileSync(file, ecosystem({ env: { GREETING: "three" }, kill_timeout: "soon" }));
  const bad = await cli(["reload", "api"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /ecosystem\.config\.js: app "api": kill_timeout: "soon" is not valid/);

  writeFileSync(file, ecosystem({ env: { GREETING: "three" }, out_file: "out.log" }));
  const refused = await cli(["reload", "api"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /reload refused: logFile changed, which needs a restart of corral/);
  assert.deepEqual(await readyPids(controlPath(corral.home, "api")), pids, "the same workers");
  assert.deepEqual(await greetings(port, 2), new Set(["two"]));

  writeFileSync(file, ecosystem({ env: { GREETING: "three" }, instances: 3 }));
  const scaled = await cli(["reload", "api"]);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.match(scaled.stdout, /workers 2 → 3/);
  assert.equal((await controlStatus(controlPath(corral.home, "api"))).workersReady, 3);
  assert.deepEqual(await greetings(port, 3), new Set(["three"]));
  await corral.stop();
});
