// --env-file: the workers get the file's variables (a later file wins; corral's own environment wins
// over a file, the config's env over both); corral reload reads the file again, names the variables
// that changed (never their values) and applies them with no failed request under load; a file that
// went missing or malformed fails the reload with exit 2 and the workers keep their env. At start,
// a malformed file exits 2 naming the option, the path and the line.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, getJson, runCli, startCorral, tempTree } from "../helpers/corral.js";
import { controlPath, readyPids } from "../helpers/control-socket.js";
import { underLoad } from "../helpers/load.js";

/** The values every worker sees for `name` (2 workers, round-robin: 4 fresh connections reach both). */
async function seen(port: number, name: string): Promise<Set<string | null>> {
  const values = new Set<string | null>();
  for (let i = 0; i < 4; i++) values.add((await getJson<{ value: string | null }>(port, `/?name=${name}`, { agent: false })).value);
  return values;
}

test("--env-file: precedence, and corral reload re-reads it under load; a broken file changes nothing", async () => {
  const dir = tempTree({
    ".env": "# shared\nGREETING=one\nSECRET=hush\nFROM_SHELL=file\nFROM_CONFIG=file\nLOCAL=base\n",
    ".env.local": "export LOCAL='local'\n",
    "corral.config.json": JSON.stringify({ env: { FROM_CONFIG: "config" } }),
  });
  const env = join(dir, ".env");
  const corral = startCorral(["start", fixture("env-echo.cjs"), "-w", "2", "--name", "envf", "--env-file", ".env", "--env-file", ".env.local"],
    { cwd: dir, env: { FROM_SHELL: "shell" } });
  const port = await corral.ready(2);
  const cli = (args: string[]) => runCli(args, { env: { CORRAL_HOME: corral.home } });
  assert.deepEqual(await seen(port, "GREETING"), new Set(["one"]));
  assert.deepEqual(await seen(port, "LOCAL"), new Set(["local"]), "the later file wins");
  assert.deepEqual(await seen(port, "FROM_SHELL"), new Set(["shell"]), "corral's own environment wins over the file");
  assert.deepEqual(await seen(port, "FROM_CONFIG"), new Set(["config"]), "the config's env wins over the file");

  writeFileSync(env, "GREETING=two\nSECRET=changed-secret-value\nFROM_SHELL=file2\nFROM_CONFIG=file\nLOCAL=base\nADDED=1\n");
  await underLoad(port, async (load) => {
    await load.progress(30);
    const reloaded = await cli(["reload", "envf"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    // FROM_SHELL changed in the file too, but the shell's value wins: nothing changes for the workers.
    assert.match(reloaded.stdout, /reloaded envf in \d+ ms \(configuration changed: env file \(ADDED, GREETING, SECRET\)\)/);
    assert.doesNotMatch(reloaded.stdout + corral.output, /changed-secret-value|hush/, "values are never printed");
    await load.progress(30);
  });
  assert.deepEqual(await seen(port, "GREETING"), new Set(["two"]));
  assert.deepEqual(await seen(port, "ADDED"), new Set(["1"]));
  const pids = await readyPids(controlPath(corral.home, "envf"));

  writeFileSync(env, "GREETING=three\nDATABASE_URL postgres://u:pw@db\n");
  const malformed = await cli(["reload", "envf"]);
  assert.equal(malformed.code, 2, malformed.stderr);
  assert.match(malformed.stderr, /--env-file \.env: line 2: no = on this line \(expected NAME=value\)/);
  assert.doesNotMatch(malformed.stderr, /postgres/);

  rmSync(env);
  const missing = await cli(["reload", "envf"]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /--env-file \.env: not found/);
  assert.deepEqual(await readyPids(controlPath(corral.home, "envf")), pids, "the same workers");
  assert.deepEqual(await seen(port, "GREETING"), new Set(["two"]));
  await corral.stop();
});

test("--env-file at start: a malformed file exits 2 naming the option, the path and the line; so does a missing one", async () => {
  const dir = tempTree({ "bad.env": "A=1\n\nB='open\n" });
  const malformed = await runCli(["start", fixture("env-echo.cjs"), "--env-file", "bad.env"], { cwd: dir });
  assert.equal(malformed.code, 2, malformed.stderr);
  assert.match(malformed.stderr, /--env-file bad\.env: line 3: the ' quote that opens B's value is never closed/);

  const viaEnv = await runCli(["start", fixture("env-echo.cjs")], { cwd: dir, env: { CORRAL_ENV_FILE: "missing.env" } });
  assert.equal(viaEnv.code, 2, viaEnv.stderr);
  assert.match(viaEnv.stderr, /CORRAL_ENV_FILE missing\.env: not found/);

  // Node itself looks for --env-file anywhere on its command line and exits 9 on a missing file before
  // corral runs (nodejs/node#54232); if that changes, corral's own check answers with exit 2.
  const viaFlag = await runCli(["start", fixture("env-echo.cjs"), "--env-file", "missing.env"], { cwd: dir });
  assert.ok(viaFlag.code === 9 || viaFlag.code === 2, `exit ${viaFlag.code}: ${viaFlag.stderr}`);
  assert.match(viaFlag.stderr, /missing\.env: not found/);
});
