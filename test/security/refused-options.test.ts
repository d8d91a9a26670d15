// Combinations and values that would defeat a safety, refused by the real CLI
// with exit 2 before anything starts (values alone: hardening/bad-options.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, runCli } from "../helpers/corral.js";

const CASES: Array<{ what: string; args: string[]; expect: RegExp }> = [
  { what: "--balance os with --user", args: ["--balance", "os", "--user", "nobody"], expect: /--balance os cannot be combined with --user/ },
  { what: "--admin-token without --admin", args: ["--admin-token", "0123456789abcdef0123"], expect: /--admin-token is set but --admin is not/ },
  { what: "a short --admin-token, never echoed", args: ["--admin", "0", "--admin-token", "abc"], expect: /--admin-token: a value of 3 characters \(not shown\) is not valid; expected a token of at least 16/ },
  { what: "--max-memory in bytes", args: ["--max-memory", "512"], expect: /--max-memory: "512" is not valid; expected a size of at least 64M/ },
  { what: "--max-memory 0", args: ["--max-memory", "0"], expect: /--max-memory: "0" is not valid; expected a size of at least 64M/ },
  { what: "--kill-timeout 0", args: ["--kill-timeout", "0"], expect: /--kill-timeout: "0" is not valid; expected a duration from 1s/ },
];

test("values and combinations that defeat a safety exit 2, naming the option and the floor", async () => {
  for (const { what, args, expect } of CASES) {
    const { code, stdout, stderr } = await runCli(["start", fixture("hello.cjs"), "--workers", "1", "--name", "refused", ...args]);
    assert.equal(code, 2, `${what}: exit 2\n${stdout}${stderr}`);
    assert.match(stderr, expect, what);
    assert.doesNotMatch(stdout + stderr, /starting \d+ worker/, `${what}: nothing started`);
  }
});
