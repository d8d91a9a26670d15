// Options from flags, a config file and CORRAL_* env: precedence, and bad values exit 2 naming the option.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, runCli, startCorral, tempDir } from "../helpers/corral.js";

test("a config file supplies the options; flags win over it", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "corral.config.json"), JSON.stringify({ entry: fixture("hello.cjs"), workers: 1, name: "fromfile" }));
  const corral = startCorral(["start", "--workers", "2"], { cwd: dir });
  await corral.ready(2);
  assert.match(corral.output, /starting 2 workers of hello\.cjs/);
  await corral.stop();
});

test("an .mjs config file exporting a function", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "corral.config.mjs"), `export default () => ({ entry: ${JSON.stringify(fixture("hello.cjs"))}, workers: 1 });\n`);
  const corral = startCorral(["start"], { cwd: dir });
  await corral.ready(1);
  await corral.stop();
});

const BAD: Array<{ what: string; args: string[]; env?: Record<string, string>; file?: unknown; expect: RegExp }> = [
  { what: "a bad duration flag", args: ["--kill-timeout", "10x"], expect: /--kill-timeout: "10x" is not valid; expected a duration/ },
  { what: "a bad worker count", args: ["--workers", "0"], expect: /--workers: .*0.* is not valid/ },
  { what: "an unknown strategy", args: ["--balance", "random"], expect: /--balance: "random" is not valid; expected .*round-robin/ },
  { what: "a bad size", args: ["--max-memory", "lots"], expect: /--max-memory: "lots" is not valid/ },
  { what: "an unknown flag", args: ["--frobnicate"], expect: /unknown option --frobnicate/ },
  { what: "a public admin bind without a token", args: ["--admin", "0.0.0.0:9999"], expect: /--admin: .* loopback/ },
  { what: "a bad env value", args: [], env: { CORRAL_WORKERS: "lots" }, expect: /CORRAL_WORKERS: "lots" is not valid/ },
  { what: "a bad config file value", args: [], file: { workers: "lots" }, expect: /corral\.config\.json.*workers.*"lots" is not valid/ },
  { what: "an unknown config key", args: [], file: { wrokers: 2 }, expect: /wrokers/ },
];

for (const bad of BAD) {
  test(`${bad.what} exits 2 naming the option`, async () => {
    const dir = tempDir();
    if (bad.file) writeFileSync(join(dir, "corral.config.json"), JSON.stringify(bad.file));
    const { code, stderr } = await runCli(["start", fixture("hello.cjs"), ...bad.args], { cwd: dir, env: bad.env ?? {} });
    assert.equal(code, 2, stderr);
    assert.match(stderr, bad.expect);
  });
}

test("a config file with invalid JSON exits 2 naming the file", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "corral.config.json"), "{ workers: 2,, }");
  const { code, stderr } = await runCli(["start", fixture("hello.cjs")], { cwd: dir });
  assert.equal(code, 2);
  assert.match(stderr, /corral\.config\.json/);
});

test("a missing entry file exits 2 naming it", async () => {
  const { code, stderr } = await runCli(["start", "no/such/app.js"]);
  assert.equal(code, 2);
  assert.match(stderr, /no\/such\/app\.js/);
});

test("an unknown command exits 2", async () => {
  const { code, stderr } = await runCli(["strat", "app.js"]);
  assert.equal(code, 2);
  assert.match(stderr, /unknown command "strat"/);
});

test("a config file with several apps: --name picks one; without it, exit 2 listing them", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "corral.config.json"), JSON.stringify({
    apps: [
      { name: "api", entry: fixture("hello.cjs"), workers: 1 },
      { name: "web", entry: fixture("esm-tla.mjs"), workers: 1 },
    ],
  }));
  const none = await runCli(["start"], { cwd: dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /holds 2 apps \(api, web\)/);
  const corral = startCorral(["start", "--name", "web"], { cwd: dir });
  await corral.ready(1);
  assert.match(corral.output, /starting 1 worker of esm-tla\.mjs/);
  await corral.stop();
});

test("workers do not inherit the admin token; they keep the app environment and get their slot id", async () => {
  const corral = startCorral(["start", fixture("env-echo.cjs"), "-w", "1", "--name", "envleak", "--admin", "0"], {
    env: { CORRAL_ADMIN_TOKEN: "s3cret-token-0123456789", APP_SETTING: "kept" },
  });
  const port = await corral.ready(1);
  const { getJson } = await import("../helpers/corral.js");
  assert.equal((await getJson(port, "/?name=CORRAL_ADMIN_TOKEN")).value, null);
  assert.equal((await getJson(port, "/?name=APP_SETTING")).value, "kept");
  assert.equal((await getJson(port, "/?name=CORRAL_WORKER_ID")).value, "1");
  await corral.stop();
});
