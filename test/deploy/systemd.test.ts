// deploy/systemd/corral-demo.service is what `corral systemd` prints today (so the example cannot drift
// from the code), and its ExecStart with deploy/systemd/corral-demo.env serves, probes and drains.
//
// The CLI writes machine-specific values into a unit: the node binary, its own path, the working
// directory and the invoking user. The example shows them as they would be on a server: generated
// by user `corral` in /srv/corral-demo, with node in /usr/bin. After changing src/cli/systemd.ts:
//   CORRAL_UPDATE_DEPLOY=1 node --import tsx --test test/deploy/systemd.test.ts
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { realpathSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, ROOT, fixture, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { freePort } from "../helpers/daemons.js";

const UNIT = join(ROOT, "deploy/systemd/corral-demo.service");
const ENV_FILE = join(ROOT, "deploy/systemd/corral-demo.env");
const DEMO = ["corral-demo", "server.js", "--workers", "4", "--kill-timeout", "30s"];
const AS = { dir: "/srv/corral-demo", node: "/usr/bin/node", cli: "/srv/corral-demo/node_modules/corral/dist/cli/main.js", user: "corral", home: "/home/corral/.corral" };
/** What the unit pins as its control folder: the generating shell's CORRAL_HOME. */
const CORRAL_HOME = tempDir("corral-home-");

function appDir(): string {
  const dir = realpathSync(tempDir("corral-systemd-"));
  writeFileSync(join(dir, "server.js"), `require(${JSON.stringify(fixture("lb-app.cjs"))});\n`);
  return dir;
}

async function generate(): Promise<string> {
  const dir = appDir();
  const { code, stdout, stderr } = await runCli(["systemd", ...DEMO], { cwd: dir, env: { CORRAL_HOME } });
  assert.equal(code, 0, stderr);
  const unit = stdout.split(CLI).join(AS.cli).split(process.execPath).join(AS.node).split(dir).join(AS.dir);
  // The CLI writes User= for a non-root caller and nothing for root; the example runs as `corral`.
  return unit.replace(/^User=.*\n/m, "").replace(/^WorkingDirectory=/m, `User=${AS.user}\nWorkingDirectory=`).split(CORRAL_HOME).join(AS.home);
}

test("deploy/systemd/corral-demo.service is what `corral systemd` prints", async () => {
  const generated = await generate();
  if (process.env.CORRAL_UPDATE_DEPLOY) writeFileSync(UNIT, generated);
  assert.equal(readFileSync(UNIT, "utf8"), generated, "the example is stale: regenerate it (see the top of this test file)");
  if (spawnSync("systemd-analyze", ["--version"]).status === 0) {
    // verify checks that ExecStart's binary exists: point it at this machine's node.
    const copy = join(tempDir(), "corral-demo.service");
    writeFileSync(copy, generated.split(AS.node).join(process.execPath));
    const verify = spawnSync("systemd-analyze", ["verify", copy], { encoding: "utf8", timeout: 30_000 });
    assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
  }
});

/** The unit's ExecStart words (the generated line has no quoting) and its EnvironmentFile's variables. */
function execStart(): string[] {
  const line = readFileSync(UNIT, "utf8").split("\n").find((l) => l.startsWith("ExecStart="));
  assert.ok(line && !line.includes('"'), "an ExecStart without quoted words");
  return line.slice("ExecStart=".length).split(" ");
}

function environmentFile(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(ENV_FILE, "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

test("the unit's ExecStart with the example environment file: public admin, open probes, guarded status, clean stop", async () => {
  const [node, cli, ...args] = execStart();
  assert.deepEqual([node, cli], [AS.node, AS.cli]);
  const env = environmentFile();
  assert.equal(env.CORRAL_ADMIN, "0.0.0.0:9100");
  assert.ok(env.CORRAL_ADMIN_TOKEN);
  const admin = await freePort();
  const corral = startCorral(args, { cwd: appDir(), env: { ...env, PORT: "0", CORRAL_ADMIN: `0.0.0.0:${admin}` } });
  await corral.ready(4, 30_000);

  await waitFor(async () => (await request(admin, "/readyz")).status === 200, `/readyz 200\n${corral.output}`, 15_000);
  assert.equal((await request(admin, "/healthz")).status, 200);
  assert.equal((await request(admin, "/status")).status, 401);
  assert.equal((await request(admin, "/status", { headers: { authorization: `Bearer ${env.CORRAL_ADMIN_TOKEN}` } })).status, 200);
  corral.signal("SIGTERM"); // what KillMode=mixed sends to the main process
  assert.equal((await corral.exit(30_000)).code, 0, corral.output);
});
