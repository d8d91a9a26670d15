#!/usr/bin/env node
// The test runner behind `npm test`.
//
//   node scripts/run-tests.mjs                      every test/**/*.test.ts
//   node scripts/run-tests.mjs test/config a.test.ts  only under these paths (dirs or files)
//   node scripts/run-tests.mjs test/core --test-name-pattern=reload   flags go to `node --test`
//
// Node 20's `--test` does not expand globs, so the file list is built here and passed
// explicitly. Files run one at a time (`--test-concurrency=1`): most tests start real
// supervisors with one worker per core on a 2-core CI machine, and running files in
// parallel turns timing-sensitive tests (hang detection, reload) into flakes.
// The runner uses whichever `node` runs this script, so
// `.tools/node24/node_modules/.bin/node scripts/run-tests.mjs` runs the suite on Node 24.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// Per test. Caution: on Node 20 the runner's per-file test inherits it too
// (internal/test_runner/test.js: `this.timeout = parent.timeout`), so there a whole
// test FILE is cancelled after 120 s; Node 24 limits only each test. Keep files short.
const PER_TEST_TIMEOUT_MS = 120_000;
// A hard ceiling for the whole run, so a wedged test cannot eat CI's 90 minutes.
const OVERALL_TIMEOUT_MS = Number(process.env.CORRAL_TEST_TOTAL_TIMEOUT_MS) || 15 * 60_000;

/** Every *.test.ts under dir, skipping dependencies and build output. */
function collect(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(path, out);
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const nodeTestFlags = args.filter((a) => a.startsWith("--"));
const targets = args.filter((a) => !a.startsWith("--"));

const files = [];
for (const target of targets.length > 0 ? targets : [join(ROOT, "test")]) {
  const path = resolve(target); // relative to where the user typed the command
  let stat;
  try {
    stat = statSync(path);
  } catch {
    console.error(`run-tests: no such file or directory: ${target}`);
    process.exit(2);
  }
  if (stat.isDirectory()) collect(path, files);
  else files.push(path);
}
// Stable order, no duplicates (overlapping targets), paths relative to the repo for readable output.
const list = [...new Set(files)].sort().map((f) => relative(ROOT, f));
if (list.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${targets.join(" ") || "test/"}`);
  process.exit(1);
}

const nodeArgs = [
  "--import", "tsx", // resolved from the repo root (cwd below): tsx is a devDependency
  "--test",
  "--test-concurrency=1",
  `--test-timeout=${PER_TEST_TIMEOUT_MS}`,
  // Node 20 prints TAP when stdout is not a TTY; spec is what people read in CI logs too.
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  // Then the slowest files, to see where the time goes (the spec reporter does not name files).
  `--test-reporter=${pathToFileURL(join(ROOT, "scripts/file-times-reporter.mjs")).href}`,
  "--test-reporter-destination=stdout",
  ...nodeTestFlags,
  ...list,
];

// Own process group, so the timeout (and our own signals) can take down the test
// process and everything it spawned that stayed in its group.
const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: "inherit", detached: true });

function killGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

let timedOut = false;
const overall = setTimeout(() => {
  timedOut = true;
  console.error(`\nrun-tests: the run exceeded ${OVERALL_TIMEOUT_MS / 60_000} min; killing it`);
  killGroup("SIGTERM");
  setTimeout(() => killGroup("SIGKILL"), 5_000).unref();
}, OVERALL_TIMEOUT_MS);
overall.unref();

// Being detached, the child does not get the terminal's Ctrl-C: pass it on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => killGroup(signal));
}

child.on("exit", (code, signal) => {
  clearTimeout(overall);
  killGroup("SIGKILL"); // stragglers left in the group by a test
  if (timedOut) process.exit(124);
  if (signal) {
    console.error(`run-tests: node --test was killed by ${signal}`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
