// The env-file parser (node --env-file's format, our own: util.parseEnv is Node 20.12+), and the
// reader's errors: the option, the path and the line, never a value.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import util from "node:util";
import { EnvFileSyntaxError, parseDotenv } from "../../src/config/dotenv.js";
import { MAX_ENV_FILE_BYTES, readEnvFiles } from "../../src/config/env-file.js";
import { tempDir } from "../helpers/corral.js";

test("dotenv: names, values, comments, export, blank lines, spaces", () => {
  const text = [
    "# a comment",
    "",
    "   ",
    "PLAIN=value",
    "export EXPORTED=yes",
    "  SPACED  =  padded value  ",
    "TRAILING=kept # a comment",
    "HASH=a#b",
    "EMPTY=",
    "EMPTY_SPACES=   ",
    "EQUALS=a=b=c",
    "dotted.name-1=ok",
    "  # an indented comment",
    "PLAIN=later wins",
  ].join("\n");
  assert.deepEqual(parseDotenv(text), {
    PLAIN: "later wins", EXPORTED: "yes", SPACED: "padded value", TRAILING: "kept", HASH: "a",
    EMPTY: "", EMPTY_SPACES: "", EQUALS: "a=b=c", "dotted.name-1": "ok",
  });
});

test("dotenv: quotes: double expands \\n, single and backtick are literal, # inside quotes is kept", () => {
  const text = [
    'DOUBLE="a\\nb"',
    "SINGLE='a\\nb'",
    "BACKTICK=`it's \"x\"`",
    'HASH="a # b" # comment',
    "SPACES='  kept  '",
    'EMPTY=""',
    'MULTI="one',
    "two  ",
    'three"',
    "AFTER=still read",
  ].join("\r\n");
  assert.deepEqual(parseDotenv(`\uFEFF${text}\n`), {
    DOUBLE: "a\nb", SINGLE: "a\\nb", BACKTICK: "it's \"x\"", HASH: "a # b", SPACES: "  kept  ", EMPTY: "",
    MULTI: "one\ntwo  \nthree", AFTER: "still read",
  });
});

test("dotenv: reads what node's own parser reads, where this Node has one (util.parseEnv, 20.12+)", (t) => {
  const parseEnv = (util as { parseEnv?: (text: string) => Record<string, string> }).parseEnv;
  if (parseEnv === undefined) return t.skip("util.parseEnv needs Node 20.12+");
  const text = 'A=1\nexport B = two words # c\nC="x\\ny"\nD=\'q # r\'\nE=`t`\nF=\nG=a=b\nH="l1\nl2"\nA=again\n';
  assert.deepEqual({ ...parseDotenv(text) }, { ...parseEnv(text) });
});

test("dotenv: a line it cannot read is named by number, never shown", () => {
  const fails = (text: string, line: number, reason: RegExp) => {
    assert.throws(() => parseDotenv(text), (error: unknown) => {
      assert.ok(error instanceof EnvFileSyntaxError);
      assert.equal(error.line, line);
      assert.match(error.reason, reason);
      return true;
    });
  };
  fails("A=1\npostgres://user:secret@db\n", 2, /^no = on this line \(expected NAME=value\)$/);
  fails("A=1\n\nBAD NAME=1", 3, /"BAD NAME" is not a variable name/);
  fails("=value", 1, /"" is not a variable name/);
  fails('A=1\nB="never closed\nC=3', 2, /the " quote that opens B's value is never closed/);
  fails("A='x' y", 1, /unexpected text after A's closing ' quote/);
  fails('A="x\ny" z', 2, /unexpected text after A's closing " quote/);
  assert.doesNotMatch(String((() => { try { parseDotenv("secret-value"); } catch (e) { return (e as Error).message; } })()), /secret/);
});

test("dotenv: an unclosed quote near the top of a large file is reported at once (the primary parses it on reload)", () => {
  // ~0.9 MB, under the 1 MB cap: searching the whole value so far at each line took 36 s here.
  const text = 'A="\n' + Array.from({ length: 100_000 }, (_, i) => `B${i}=1`).join("\n");
  const began = performance.now();
  assert.throws(() => parseDotenv(text), /line 1: the " quote that opens A's value is never closed/);
  const ms = performance.now() - began;
  assert.ok(ms < 1_000, `took ${Math.round(ms)} ms`);
});

test("readEnvFiles: later files win; missing, not a file, too big and malformed name the option, path and line", () => {
  const dir = tempDir();
  const a = join(dir, "a.env");
  const b = join(dir, "b.env");
  writeFileSync(a, "A=1\nB=1\n");
  writeFileSync(b, "B=2\n");
  assert.deepEqual(readEnvFiles([a, b], "--env-file"), { A: "1", B: "2" });
  assert.throws(() => readEnvFiles([join(dir, "missing.env")], "--env-file"), { code: "CORRAL_ERR_BAD_OPTION", message: `--env-file ${join(dir, "missing.env")}: not found` });
  assert.throws(() => readEnvFiles([dir], "CORRAL_ENV_FILE"), { message: `CORRAL_ENV_FILE ${dir}: not a regular file` });
  const big = join(dir, "big.env");
  writeFileSync(big, `A=${"x".repeat(MAX_ENV_FILE_BYTES)}\n`);
  assert.throws(() => readEnvFiles([big], "--env-file"), { message: /big\.env: larger than 1 MB: not an env file/ });
  writeFileSync(b, "B=2\nTOKEN s3cret\n");
  assert.throws(() => readEnvFiles([a, b], "corral.config.json: envFile", () => "b.env"), { message: "corral.config.json: envFile b.env: line 2: no = on this line (expected NAME=value)" });
});
