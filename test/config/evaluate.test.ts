// A JS/TS config file is evaluated in a short-lived child process, never imported into the primary:
// an ES module imported with a fresh URL at each `corral reload` stayed in the primary's memory for good,
// with all it held in module scope. Bounded in time and size; the config's own error is reported.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { evaluateConfigModule } from "../../src/config/evaluate.js";
import { ROOT, fixture, request, runCli, startCorral, tempTree } from "../helpers/corral.js";
import { corralError } from "../helpers/errors.js";

const MB = 1024 * 1024;
const rssOf = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

test("reloading a config that keeps 32 MB in module scope does not grow the primary by it", async (t) => {
  const HELD = 32;
  const RELOADS = 5;
  // Buffer.alloc(…, 1) writes every page; exported, it lives as long as the module does (a local
  // nothing closes over would be freed after the module ran).
  const config = (workers: number): string =>
    `export const held = Buffer.alloc(${HELD} * 1024 * 1024, 1);\n` +
    `export default { entry: "./server.cjs", workers: ${workers}, env: { HELD: String(held.length) } };\n`;
  const dir = tempTree({ "corral.config.mjs": config(1), "server.cjs": readFileSync(fixture("hello.cjs"), "utf8"), "package.json": "{}" });
  const name = "config-memory";
  const corral = startCorral(["start", "--name", name], { cwd: dir });
  await corral.ready(1);
  const cli = (args: string[]) => runCli(args, { env: { CORRAL_HOME: corral.home } });
  // A first reload, so that whatever a reload allocates once (the child's pipes, the control socket's buffers) is counted in the baseline.
  assert.equal((await cli(["reload", name])).code, 0);
  const before = rssOf(corral.pid);
  for (let i = 0; i < RELOADS; i++) {
    writeFileSync(join(dir, "corral.config.mjs"), config(1) + `// edit ${i}\n`);
    const reloaded = await cli(["reload", name]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
  }
  const grown = rssOf(corral.pid) - before;
  t.diagnostic(`primary RSS grew ${(grown / MB).toFixed(1)} MB over ${RELOADS} reloads of a config holding ${HELD} MB`);
  // Imported into the primary, each reload kept its module: RELOADS × HELD = 160 MB.
  assert.ok(grown < (RELOADS * HELD * MB) / 4, `grew ${(grown / MB).toFixed(1)} MB`);
  await corral.stop();
});

test("a config that throws on reload: exit 2 with its message and throw site, the workers serve on", async () => {
  const dir = tempTree({
    "corral.config.mjs": 'export default { entry: "./server.cjs", workers: 1 };\n',
    "server.cjs": readFileSync(fixture("hello.cjs"), "utf8"),
    "package.json": "{}",
  });
  const name = "config-throws";
  const corral = startCorral(["start", "--name", name], { cwd: dir });
  const port = await corral.ready(1);
  writeFileSync(join(dir, "corral.config.mjs"), 'const secret = process.env.NOPE;\nif (!secret) throw new Error("NOPE is not set");\nexport default {};\n');
  const reloaded = await runCli(["reload", name], { env: { CORRAL_HOME: corral.home } });
  assert.equal(reloaded.code, 2, reloaded.stderr);
  assert.match(reloaded.stderr, /config file corral\.config\.mjs: failed to load: NOPE is not set \(at corral\.config\.mjs:2:20\)/);
  assert.equal((await request(port, "/")).status, 200);
  await corral.stop();
});

test("evaluation errors name the file: a hang (timeout), a non-data value (its key), an exit, too much output", async () => {
  const dir = tempTree({
    "hangs.mjs": "while (true) {}\n",
    "never.mjs": "export default () => new Promise(() => {});\n",
    "function.mjs": "export default { apps: [{ name: 'api', env: { TOKEN: () => 'x' } }] };\n",
    "bigint.cjs": "module.exports = { workers: 2n };\n",
    "exits.cjs": "process.exit(3);\n",
    "huge.mjs": "export default { env: { BIG: 'x'.repeat(200_000) } };\n",
    "prints.mjs": "console.log('{\"ok\":true,\"value\":{\"workers\":99}}');\nexport default { workers: 2 };\n",
    // fd 3 is the child's answer to the primary: garbage on it must be an error, never a throw in the serving primary.
    "fd3.mjs": "import { writeSync } from 'node:fs';\nwriteSync(3, '{');\nexport default { workers: 2 };\n",
    "fd3-null.mjs": "import { writeSync } from 'node:fs';\nwriteSync(3, 'null');\nprocess.exit(0);\n",
  });
  const evaluate = (file: string, limits = { timeoutMs: 5_000, maxBytes: 100_000 }) => evaluateConfigModule(join(dir, file), file, dir, limits);

  const began = Date.now();
  await assert.rejects(evaluate("hangs.mjs", { timeoutMs: 1_000, maxBytes: 100_000 }), corralError("CORRAL_ERR_BAD_CONFIG", /^config file hangs\.mjs: did not finish within 1 s and was stopped/, 2));
  assert.ok(Date.now() - began < 4_000, "stopped on time");
  await assert.rejects(evaluate("never.mjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file never\.mjs: its evaluation exited with code 0 before giving any options/));
  await assert.rejects(evaluate("function.mjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file function\.mjs: apps\[0\]\.env\.TOKEN is a function; a config file's options must be data/, 2));
  await assert.rejects(evaluate("bigint.cjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file bigint\.cjs: workers is a bigint \(2n\)/));
  await assert.rejects(evaluate("exits.cjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file exits\.cjs: its evaluation exited with code 3/));
  await assert.rejects(evaluate("huge.mjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file huge\.mjs: gave more than 97\.7KB of options/));
  await assert.rejects(evaluate("fd3.mjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file fd3\.mjs: its evaluation sent back unreadable options/, 2));
  await assert.rejects(evaluate("fd3-null.mjs"), corralError("CORRAL_ERR_BAD_CONFIG", /^config file fd3-null\.mjs: its evaluation sent back unreadable options/, 2));
  // What the config prints is its own: the result travels apart from stdout.
  assert.deepEqual(await evaluate("prints.mjs"), { workers: 2 });
});

test("out of file descriptors (EMFILE), an evaluation fails with a config error; nothing is thrown in the primary", () => {
  // In a process limited to 64 descriptors, all taken: the child cannot be started and node reports it
  // as an 'error' event, which had no listener yet (thrown: the primary gone on corral reload).
  const dir = tempTree({ "corral.config.mjs": "export default { workers: 1 };\n" });
  const script = join(dir, "emfile.mjs");
  writeFileSync(script, [
    `import { openSync } from "node:fs";`,
    `import { evaluateConfigModule } from ${JSON.stringify(pathToFileURL(join(ROOT, "dist/config/evaluate.js")).href)};`,
    `process.on("uncaughtException", (error) => { console.log("uncaught: " + error.message); process.exit(1); });`,
    `const held = [];`,
    `try { for (;;) held.push(openSync("/dev/null", "r")); } catch {}`,
    `evaluateConfigModule(${JSON.stringify(join(dir, "corral.config.mjs"))}, "corral.config.mjs", ${JSON.stringify(dir)}, { timeoutMs: 5000, maxBytes: 1000 })`,
    `  .then(() => console.log("evaluated"), (error) => console.log(error.code + ": " + error.message));`,
  ].join("\n"));
  const run = spawnSync("bash", ["-c", `ulimit -n 64 && exec "$0" "$1"`, process.execPath, script], { encoding: "utf8", timeout: 15_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^CORRAL_ERR_BAD_CONFIG: config file corral\.config\.mjs: could not be evaluated: spawn .* EMFILE$/m, run.stdout + run.stderr);
});

test("variables the file sets in process.env (dotenv) reach the primary's environment, as when it ran inside it", async () => {
  const dir = tempTree({ "corral.config.cjs": 'process.env.CORRAL_TEST_FROM_CONFIG = "loaded";\nmodule.exports = { workers: 1 };\n' });
  delete process.env.CORRAL_TEST_FROM_CONFIG;
  assert.deepEqual(await evaluateConfigModule(join(dir, "corral.config.cjs"), "corral.config.cjs", dir), { workers: 1 });
  assert.equal(process.env.CORRAL_TEST_FROM_CONFIG, "loaded");
  delete process.env.CORRAL_TEST_FROM_CONFIG;
});
