/**
 * The README's install path, as a newcomer follows it while corral is not on
 * the registry: `npm pack` in the repository, `npm install ./corral-<version>.tgz`
 * in a fresh app folder, `npx corral start`. corral's one runtime dependency
 * (prom-client) comes from npm's cache, filled by the repository's `npm ci`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, fixture, request, tempDir, tempTree, waitFor } from "../helpers/corral.js";
import { Daemon } from "../helpers/daemons.js";

function npm(args: string[], cwd: string): string {
  const result = spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 180_000, env: { ...process.env, npm_config_update_notifier: "false" } });
  assert.equal(result.status, 0, `npm ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

test("the packed tarball installs into a fresh app folder and npx corral start serves from it", async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  // What the README's first lines tell a newcomer to run, for this version.
  const readme = readFileSync(join(ROOT, "README.md"), "utf8").split("\n## ")[0]!;
  for (const step of ["npm pack", `npm install ../corral/corral-${version}.tgz`, "npx corral start app.js"]) {
    assert.ok(readme.includes(step), `the README's install steps say ${step}`);
  }
  const packDir = tempDir("corral-pack-");
  // dist/ is built already (npm test builds first); --ignore-scripts spares a second tsc run.
  const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", packDir], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.equal(packed!.filename, `corral-${version}.tgz`);
  const files = packed!.files.map((file) => file.path);
  for (const needed of ["LICENSE", "README.md", "package.json", "dist/cli/main.js", "dist/index.js", "dist/index.d.ts", "dist/worker/api.js"]) {
    assert.ok(files.includes(needed), `the tarball holds ${needed}`);
  }
  assert.deepEqual(files.filter((file) => /^(src|test|bench|node_modules)\//.test(file)), [], "no sources, tests or dependencies in the tarball");

  const app = tempTree({
    "package.json": JSON.stringify({ name: "my-app", version: "1.0.0", private: true, type: "commonjs" }),
    "server.js": readFileSync(fixture("hello.cjs"), "utf8"),
  });
  npm(["install", "--prefer-offline", "--no-audit", "--no-fund", join(packDir, packed!.filename)], app);
  assert.ok(lstatSync(join(app, "node_modules/corral")).isDirectory(), "an installed copy, not a link to the repository");
  assert.match((JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies.corral!, /^file:.*corral-[\d.]+\.tgz$/);

  const env = { ...process.env, CORRAL_HOME: join(app, "home") };
  const corral = new Daemon("npx", ["--no-install", "corral", "start", "server.js", "--workers", "1"], app, env);
  const listening = await waitFor(() => corral.output.match(/listening (\d+)/), `npx corral start to serve\n${corral.output}`, 30_000);
  assert.equal((await request(Number(listening[1]), "/")).status, 200);
  assert.match(corral.output, /worker 1 \(pid \d+\) ready in \d+ ms/);

  const stop = spawnSync("npx", ["--no-install", "corral", "stop", "server"], { cwd: app, env, encoding: "utf8", timeout: 60_000 });
  assert.equal(stop.status, 0, stop.stdout + stop.stderr);
  assert.equal(await corral.exit(30_000), 0, corral.output);
});
