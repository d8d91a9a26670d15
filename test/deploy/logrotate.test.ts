// deploy/logrotate/corral: the real logrotate rotates corral's log files three times while the app
// logs under load, and corral reopens them from postrotate (`corral logs NAME --reopen`). Every line
// the app wrote is in exactly one of the files (rotated, compressed or current): none lost, none twice.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { CLI, fixture, ROOT, startCorral, tempDir } from "../helpers/corral.js";
import { render } from "../helpers/daemons.js";
import { Load } from "../helpers/load.js";
import { requireTool } from "../helpers/tools.js";

const RECIPE = readFileSync(join(ROOT, "deploy/logrotate/corral"), "utf8");
const run = promisify(execFile);

/** Every line of every file in `dir` that is a log (current, rotated, compressed), by file. */
function readLogs(dir: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => /\.log(\.\d+)?(\.gz)?$/.test(f))) {
    const bytes = readFileSync(join(dir, file));
    files.set(file, (file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8").split("\n").filter(Boolean));
  }
  return files;
}

test("logrotate with the recipe, three rotations under load: every request's line in exactly one file", { timeout: 90_000 }, async (t) => {
  const logrotate = requireTool(t, "logrotate");
  if (!logrotate) return;
  const dir = tempDir("corral-logrotate-"); // 0700 and root's: logrotate refuses a directory others may write
  const logs = join(dir, "logs");
  const home = join(dir, "home");
  const name = "rotated";
  // `corral` on PATH, as an installed corral would be.
  const bin = join(dir, "bin");
  await run("mkdir", ["-p", logs, bin]);
  writeFileSync(join(bin, "corral"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "corral"), 0o755);
  const config = join(dir, "corral.logrotate");
  writeFileSync(config, render(RECIPE, {
    "/var/log/api/": `${logs}/`,
    "CORRAL_HOME=/home/api/.corral corral logs api --reopen": `CORRAL_HOME=${home} corral logs ${name} --reopen`,
  }));

  const corral = startCorral(
    ["start", fixture("log-app.cjs"), "-w", "2", "--name", name, "--log-file", join(logs, "out.log"), "--error-file", join(logs, "error.log")],
    { env: { CORRAL_HOME: home } },
  );
  const port = await corral.ready(2);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const loads = [new Load(port, { keepAlive: 2, fresh: 0, path: "/?size=120" }).start(), new Load(port, { keepAlive: 1, fresh: 0, path: "/err?size=120" }).start()];
  try {
    for (let round = 0; round < 3; round++) {
      await loads[0]!.progress(300);
      const result = await run(logrotate, ["--force", "--state", join(dir, "state"), config], { env, timeout: 30_000 });
      assert.equal(result.stderr, "", "logrotate had nothing to complain about");
    }
    await loads[0]!.progress(300);
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
  }
  for (const load of loads) assert.equal(load.failed, 0, load.summary());
  await corral.stop(); // the files are flushed and closed before corral exits

  const files = readLogs(logs);
  assert.ok(files.has("out.log.1") && files.has("out.log.2.gz") && files.has("out.log.3.gz"), `rotated three times: ${[...files.keys()].join(", ")}`);
  // Each request wrote "req <worker> <n> x…" with n counting from 1 per worker, on stdout or stderr.
  const seen = new Map<string, string>();
  const perWorker = new Map<string, number[]>();
  for (const [file, lines] of files) {
    for (const line of lines) {
      const match = /^\[w(\d+):\d+\] req \d+ (\d+) x+$/.exec(line);
      if (!match) continue;
      const key = `${match[1]} ${match[2]}`;
      assert.ok(!seen.has(key), `request line ${key} is in ${seen.get(key)} and again in ${file}`);
      seen.set(key, file);
      perWorker.set(match[1]!, [...(perWorker.get(match[1]!) ?? []), Number(match[2])]);
    }
  }
  const requests = loads[0]!.ok + loads[1]!.ok;
  assert.equal(seen.size, requests, `${requests} requests answered, ${seen.size} request lines in the files`);
  for (const [worker, numbers] of perWorker) {
    numbers.sort((a, b) => a - b);
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1), `worker ${worker}'s lines 1..${numbers.length}, none missing`);
  }
  for (const [file, lines] of files) {
    if (file.startsWith("error.log")) for (const line of lines) assert.doesNotMatch(line, /\[corral\] .*ready in/, `${file}: supervisor info lines go to out.log`);
  }
  assert.ok([...files.entries()].some(([file, lines]) => file.startsWith("out.log") && lines.some((l) => /reopened 2 of 2 log files/.test(l))), "each reopen is logged");
});
