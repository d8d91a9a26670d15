// PM2's ecosystem files: examples/pm2/ecosystem.config.cjs (the file docs/migrating-from-pm2.md shows)
// runs as it is, one app per corral, --env production selecting env_production; keys corral does not
// act on are named in one warning; a bad value exits 2 naming the file, the app and the key.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { ROOT, getJson, isAlive, runCli, startCorral, tempTree, waitFor } from "../helpers/corral.js";
import { controlPath, controlStatus } from "../helpers/control-socket.js";

const EXAMPLE = join(ROOT, "examples/pm2");
const FILE = join(EXAMPLE, "ecosystem.config.cjs");

test("the example ecosystem file starts its HTTP app (2 instances, env_production) and its non-listening worker", async () => {
  const api = startCorral(["start", FILE, "--env", "production", "--name", "api"], { cwd: EXAMPLE, env: { PORT: "0" } });
  const worker = startCorral(["start", FILE, "--env", "production", "--name", "worker"], { cwd: EXAMPLE });
  const port = await api.ready(2);

  const seen = new Map<string, { instance: string; env: string; greeting: string }>();
  await waitFor(async () => {
    const reply = await getJson(port, "/", { agent: false });
    seen.set(reply.instance, reply);
    return seen.size >= 2;
  }, "both instances to answer");
  assert.deepEqual([...seen.keys()].sort(), ["0", "1"]);
  for (const reply of seen.values()) {
    assert.equal(reply.env, "production", "env_production over env");
    assert.equal(reply.greeting, "hello", "env's other keys stay");
  }
  const status = await controlStatus(controlPath(api.home, "api"));
  assert.equal(status.workersReady, 2);
  // Every key corral does not act on, by name, in one warning.
  assert.match(api.output, /ecosystem\.config\.cjs: app "api": corral does not act on vizion \(see docs\/migrating-from-pm2\.md\)/);
  assert.match(api.output, /--restart-cron "0 3 \* \* \*": next rolling reload at/);

  // The consumer never listens: ready once started (fork mode), NODE_APP_INSTANCE 0, env_production.
  await worker.waitForOutput(/worker 1 \(pid \d+\) ready in \d+ ms/);
  await worker.waitForOutput(/consumer 0 started \(production\)/);
  assert.match(worker.output, /app "worker": corral does not act on restart_delay/);
  const consumer = await controlStatus(controlPath(worker.home, "worker"));
  assert.equal(consumer.workersReady, 1);
  assert.deepEqual(consumer.listening, []);

  // SIGTERM drains it: it hears PM2's shutdown message and exits.
  await worker.stop();
  assert.match(worker.output, /consumer stopping/);
  await api.stop();
});

test("without --name every app starts in one process tree: status lists both, reload acts on one, SIGTERM drains all", async () => {
  const tree = startCorral(["start", FILE, "--env", "production"], { cwd: EXAMPLE, env: { PORT: "0" } });
  const port = await tree.ready(3);
  await tree.waitForOutput(/consumer 0 started \(production\)/);
  const home = { env: { CORRAL_HOME: tree.home } };
  const listed = await runCli(["status"], home);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /\bapi\b[\s\S]*\bworker\b|\bworker\b[\s\S]*\bapi\b/);
  const reloaded = await runCli(["reload", "api"], home);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.equal((await getJson(port, "/", { agent: false })).env, "production");
  assert.equal((await controlStatus(controlPath(tree.home, "worker"))).reloads, 0, "the other app was left alone");
  await tree.stop();
  assert.match(tree.output, /consumer stopping/);
});

test("an app tree whose first corral is SIGKILLed drains every app by itself", async () => {
  const tree = startCorral(["start", FILE], { cwd: EXAMPLE, env: { PORT: "0" } });
  await tree.ready(3);
  const pids = await Promise.all(["api", "worker"].map(async (name) => (await controlStatus(controlPath(tree.home, name))).pid));
  // Each app's corral has a process group of its own, which the helpers do not kill: if this test fails, they must not outlive it.
  after(() => {
    for (const pid of pids) try { process.kill(-pid, "SIGKILL"); } catch { /* gone */ }
  });
  process.kill(tree.pid, "SIGKILL");
  await waitFor(() => pids.every((pid) => !isAlive(pid)), "both apps' corrals to drain and exit", 15_000);
});

test("an ecosystem file's bad value exits 2 naming the file, the app and the key", async () => {
  const dir = tempTree({
    "ecosystem.config.js": "module.exports = { apps: [{ name: 'api', script: 'a.js', kill_timeout: 'soon' }, { name: 'jobs', script: 'a.js' }] };\n",
    "package.json": "{}",
    "a.js": "",
  });
  const bad = await runCli(["start", "ecosystem.config.js", "--name", "api"], { cwd: dir });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /ecosystem\.config\.js: app "api": kill_timeout: "soon" is not valid; expected a duration/);

  // Without --name every app starts (one corral each): the bad one exits 2, the tree with it.
  const several = await runCli(["start", "ecosystem.config.js"], { cwd: dir });
  assert.equal(several.code, 2, several.stderr);
  assert.match(several.stderr, /app "api": kill_timeout: "soon" is not valid/);

  const json = tempTree({ "process.json": JSON.stringify({ apps: [{ name: "x", script: "a.js", exec_mode: "threads" }] }), "a.js": "" });
  const mode = await runCli(["start", "process.json"], { cwd: json });
  assert.equal(mode.code, 2, mode.stderr);
  assert.match(mode.stderr, /process\.json: app "x": exec_mode: "threads" is not valid; expected "cluster" or "fork"/);
});

test("the migration guide shows the example files as they are", () => {
  const doc = readFileSync(join(ROOT, "docs/migrating-from-pm2.md"), "utf8");
  for (const file of ["ecosystem.config.cjs", "api.cjs", "worker.cjs"]) {
    assert.ok(doc.includes(readFileSync(join(EXAMPLE, file), "utf8").trim()), `docs/migrating-from-pm2.md includes examples/pm2/${file}`);
  }
});
