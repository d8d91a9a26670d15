/**
 * A typo gets one kind of answer from every command: what was not understood
 * and the closest thing that would have been, never node's parseArgs text.
 * A misspelled CORRAL_* variable, silently ignored before, gets one warning.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlRequest } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, tempDir } from "../helpers/corral.js";

test("a mistyped flag names the flag meant, in every command", async () => {
  const env = { CORRAL_HOME: join(tempDir("corral-typos-"), "home") };
  const cases: Array<[string[], RegExp]> = [
    [["status", "--jsn"], /^corral: unknown option --jsn \(did you mean --json\?\); run corral status --help\nusage: corral status \[NAME\] \[--json\]/],
    [["start", fixture("hello.cjs"), "--wrokers", "2"], /^corral: unknown option --wrokers \(did you mean --workers\?\); run corral start --help\n$/],
    [["start", fixture("hello.cjs"), "--kill-timout=5s"], /^corral: unknown option --kill-timout \(did you mean --kill-timeout\?\)/],
    [["top", "--onse"], /^corral: unknown option --onse \(did you mean --once\?\)/],
    [["reload", "api", "--hepl"], /^corral: unknown option --hepl \(did you mean --help\?\)/],
    [["stop", "--force", "api"], /^corral: unknown option --force; run corral stop --help\n/],
    [["status", "--json=yes"], /^corral: --json takes no value\n/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, expected, args.join(" "));
    assert.doesNotMatch(result.stderr, /To specify a positional argument/, "not node's parseArgs text");
  }
});

test("a misspelled CORRAL_* variable is warned about once, naming the variable meant; others are left alone", async () => {
  const home = join(tempDir("corral-typos-"), "home");
  const env = { CORRAL_HOME: home, CORRAL_WROKERS: "2", CORRAL_KILL_TIMOUT: "5s", CORRAL_NODE: "/usr/bin/node", CORRAL_SCREENSHOT_DIR: "/tmp" };
  const corral = startCorral(["start", fixture("hello.cjs"), "--name", "typos", "--workers", "1"], { env });
  await corral.ready(1, 30_000);
  const reload = await controlRequest(controlPath(home, "typos"), "POST", "/reload", undefined, {}, 30_000);
  assert.equal(reload.status, 200, reload.body);
  await corral.stop();
  const warnings = corral.output.split("\n").filter((line) => /is not a corral setting/.test(line));
  assert.deepEqual(
    warnings.map((line) => line.replace(/^.*?(CORRAL_)/, "$1")).sort(),
    [
      "CORRAL_KILL_TIMOUT is not a corral setting and is ignored; did you mean CORRAL_KILL_TIMEOUT?",
      "CORRAL_WROKERS is not a corral setting and is ignored; did you mean CORRAL_WORKERS?",
    ],
    corral.output,
  );
});
