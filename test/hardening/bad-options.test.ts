// Every value option, given a bad value as a flag, as a CORRAL_* variable or in a
// config file, makes `corral start` exit 2 naming the option and the value,
// before any worker starts. (fuzz-parsers.test.ts covers the parsers in depth;
// this is the real CLI, end to end.)
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { envName } from "../../src/config/keys.js";
import type { OptionKey } from "../../src/config/keys.js";
import { fixture, runCli, tempDir } from "../helpers/corral.js";

// `shown`: how the error shows the value, where that is not the value itself (a token is never shown).
const BAD: Array<{ key: OptionKey; flag: string; value: string; shown?: string }> = [
  { key: "workers", flag: "--workers", value: "0" },
  { key: "balance", flag: "--balance", value: "fastest" },
  { key: "name", flag: "--name", value: "bad name!" },
  { key: "admin", flag: "--admin", value: "localhost:99999" },
  { key: "adminToken", flag: "--admin-token", value: "has space", shown: "a value of 9 characters (not shown)" },
  { key: "maxMemory", flag: "--max-memory", value: "512" },
  { key: "killTimeout", flag: "--kill-timeout", value: "0" },
  { key: "listenTimeout", flag: "--listen-timeout", value: "soon" },
  { key: "killTimeout", flag: "--kill-timeout", value: "-1s" },
  { key: "hangTimeout", flag: "--hang-timeout", value: "0" },
  { key: "heartbeatInterval", flag: "--heartbeat-interval", value: "5ms" },
  // So short that every worker is refused or killed at once: a unit slip that would take the service down.
  { key: "listenTimeout", flag: "--listen-timeout", value: "1ms" },
  { key: "hangTimeout", flag: "--hang-timeout", value: "1ms" },
  { key: "minUptime", flag: "--min-uptime", value: "5ms" },
  { key: "queueTimeout", flag: "--queue-timeout", value: "1ms" },
  { key: "maxMemory", flag: "--max-memory", value: "lots" },
  { key: "maxRestarts", flag: "--max-restarts", value: "-3" },
  { key: "minUptime", flag: "--min-uptime", value: "1d" },
  { key: "reloadParallel", flag: "--reload-parallel", value: "0" },
  { key: "maxQueue", flag: "--max-queue", value: "many" },
  { key: "queueTimeout", flag: "--queue-timeout", value: "10 years" },
  { key: "shutdownDelay", flag: "--shutdown-delay", value: "later" },
  { key: "logFormat", flag: "--log-format", value: "xml" },
  { key: "logFile", flag: "--log-file", value: "out-%d.log" },
  { key: "logBuffer", flag: "--log-buffer", value: "1K" },
  { key: "timestamps", flag: "CORRAL_TIMESTAMPS", value: "sometimes" },
  { key: "waitReady", flag: "CORRAL_WAIT_READY", value: "perhaps" },
  { key: "user", flag: "--user", value: "no-such-user-corral" },
  { key: "group", flag: "--group", value: "no-such-group-corral" },
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function assertRefused(args: string[], options: { env?: Record<string, string>; cwd?: string }, names: string, value: string, shown = `"${value}"`): Promise<void> {
  const { code, stdout, stderr } = await runCli(["start", fixture("hello.cjs"), ...args], options);
  assert.equal(code, 2, `exit 2 for ${names}=${value}\n${stdout}${stderr}`);
  assert.match(stderr, new RegExp(`${escape(names)}: ${escape(shown)} is not valid; expected `), stderr);
  assert.doesNotMatch(stdout, /starting \d+ worker/, "nothing was started");
}

/**
 * Each case is its own short CLI run, independent of the others (no port, no home in common): a few at a
 * time keep both cores busy with node's start-up instead of running ~30 start-ups one after another.
 */
async function eachAFewAtATime<T>(items: readonly T[], run: (item: T) => Promise<void>, atOnce = 4): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: atOnce }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

test("a bad value for any option, as a flag, exits 2 naming the flag and the value", async () => {
  // --flag=value, so a value starting with "-" is not read as the next flag.
  await eachAFewAtATime(BAD.filter((b) => b.flag.startsWith("--")), (bad) => assertRefused([`${bad.flag}=${bad.value}`], {}, bad.flag, bad.value, bad.shown));
});

test("a bad value in a CORRAL_* variable exits 2 naming the variable", async () => {
  await eachAFewAtATime(BAD, (bad) => {
    const name = envName(bad.key);
    return assertRefused([], { env: { [name]: bad.value } }, name, bad.value, bad.shown);
  });
});

test("a bad value in corral.config.json exits 2 naming the file and the key", async () => {
  await eachAFewAtATime(BAD, (bad) => {
    const dir = tempDir();
    writeFileSync(join(dir, "corral.config.json"), JSON.stringify({ [bad.key]: bad.value }));
    return assertRefused([], { cwd: dir, env: {} }, `corral.config.json: ${bad.key}`, bad.value, bad.shown);
  });
});
