// PM2's conventions: NODE_APP_INSTANCE (0-based, stable per slot, renamed by --instance-var), the
// "shutdown" message apps listen for, and PM2's verbs list/ls (= status), restart (= the graceful
// rolling reload; PM2's restart is a hard one) and delete (= stop).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, readyPids } from "../helpers/control-socket.js";
import { fixture, getJson, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";

interface Reply { pid: number; worker: number; instance: string | null }

/** Asks on new connections until every ready worker answered (round-robin reaches each). */
async function byWorker(port: number, workers: number): Promise<Map<number, Reply>> {
  const seen = new Map<number, Reply>();
  await waitFor(async () => {
    const reply = await getJson<Reply>(port, "/", { agent: false });
    seen.set(reply.pid, reply);
    return seen.size >= workers;
  }, "every worker to answer");
  return seen;
}

test("NODE_APP_INSTANCE is 0-based per slot and kept across restart; apps hear 'shutdown'; list/ls/restart/delete", async () => {
  const dir = tempDir();
  const eventLog = join(dir, "events.log");
  writeFileSync(eventLog, "");
  const name = "pm2-verbs";
  const env = { EVENT_LOG: eventLog };
  const corral = startCorral(["start", fixture("pm2-app.cjs"), "--workers", "2", "--name", name], { env });
  const port = await corral.ready(2);
  const home = { env: { CORRAL_HOME: corral.home } };

  const first = await byWorker(port, 2);
  for (const reply of first.values()) assert.equal(reply.instance, String(reply.worker - 1), JSON.stringify(reply));
  assert.deepEqual([...first.values()].map((r) => r.instance).sort(), ["0", "1"]);

  for (const verb of ["list", "ls"]) {
    const listed = await runCli([verb, name], home);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${name}`));
  }

  // restart = the rolling reload: under load, the apps' own server.close() on "shutdown" included, nothing fails.
  await underLoad(port, async (load) => {
    await load.progress(50);
    const restarted = await runCli(["restart", name], home);
    assert.equal(restarted.code, 0, restarted.stderr);
    await load.progress(50);
  });
  const after = await byWorker(port, 2);
  assert.ok([...after.keys()].every((pid) => !first.has(pid)), "new workers");
  for (const reply of after.values()) assert.equal(reply.instance, String(reply.worker - 1), JSON.stringify(reply));
  const heard = readFileSync(eventLog, "utf8");
  for (const pid of first.keys()) assert.match(heard, new RegExp(`shutdown ${pid}\\n`));
  assert.equal(heard.split("\n").filter(Boolean).length, 2, `once each: ${heard}`);

  const deleted = await runCli(["delete", name], home);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await corral.exit()).code, 0);
});

test("--instance-var renames the variable; a name that is no variable name exits 2", async () => {
  const name = "pm2-instance-var";
  const corral = startCorral(["start", fixture("pm2-app.cjs"), "--workers", "2", "--name", name, "--instance-var", "INSTANCE_ID"], { env: { INSTANCE_VAR: "INSTANCE_ID" } });
  const port = await corral.ready(2);
  const replies = await byWorker(port, 2);
  assert.deepEqual([...replies.values()].map((r) => r.instance).sort(), ["0", "1"]);
  assert.equal((await readyPids(controlPath(corral.home, name))).length, 2);
  await corral.stop();

  const bad = await runCli(["start", fixture("pm2-app.cjs"), "--instance-var", "NODE APP"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--instance-var: "NODE APP" is not valid; expected an environment variable name/);
});
