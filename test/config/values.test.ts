import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatDuration,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseSize,
  parseStringList,
  parseStringMap,
} from "../../src/config/values.js";
import { corralError } from "../helpers/errors.js";

/** Validates CORRAL_ERR_BAD_OPTION (exit 2) with exactly `message`. */
const badOption = (message: string) => corralError("CORRAL_ERR_BAD_OPTION", message, 2);

describe("parseDuration", () => {
  const valid: Array<[unknown, number]> = [
    [250, 250],
    [0, 0],
    ["250", 250],
    ["250ms", 250],
    ["10s", 10_000],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    [" 10S ", 10_000],
    ["0", 0],
  ];
  for (const [input, expected] of valid) {
    it(`${JSON.stringify(input)} → ${expected} ms`, () => assert.equal(parseDuration("--kill-timeout", input), expected));
  }

  const invalid: unknown[] = ["10x", "", "s", "-5s", "1d", "10 s", true, null, Number.NaN, {}];
  for (const input of invalid) {
    it(`rejects ${typeof input === "string" ? JSON.stringify(input) : String(input)}`, () => {
      assert.throws(() => parseDuration("--kill-timeout", input), /^CorralError: --kill-timeout: .* is not valid; expected a duration like 500ms, 10s or 2m$/);
    });
  }

  it("names the option and quotes the value", () => {
    assert.throws(
      () => parseDuration("--kill-timeout", "10x"),
      badOption('--kill-timeout: "10x" is not valid; expected a duration like 500ms, 10s or 2m'),
    );
  });

  it("enforces the minimum and the setTimeout limit", () => {
    assert.throws(
      () => parseDuration("--heartbeat-interval", "5ms", { min: 10 }),
      badOption('--heartbeat-interval: "5ms" is not valid; expected a duration from 10ms to 24 days, like 500ms, 10s or 2m'),
    );
    assert.throws(() => parseDuration("--kill-timeout", -1), /-1 is not valid; expected a duration from 0ms/);
    assert.throws(() => parseDuration("--kill-timeout", "40000m"), /expected a duration from 0ms to 24 days/);
    assert.equal(parseDuration("--kill-timeout", 2 ** 31 - 1), 2 ** 31 - 1);
  });
});

describe("formatDuration", () => {
  for (const [ms, text] of [[0, "0ms"], [250, "250ms"], [10_000, "10s"], [120_000, "2m"], [1_500, "1500ms"]] as const) {
    it(`${ms} → ${text}`, () => assert.equal(formatDuration(ms), text));
  }
});

describe("parseSize", () => {
  const valid: Array<[unknown, number]> = [
    [1000, 1000],
    ["1000", 1000],
    ["100B", 100],
    ["512K", 512 * 1024],
    ["512k", 512 * 1024],
    ["512KB", 512 * 1024],
    ["512M", 512 * 1024 ** 2],
    ["512mb", 512 * 1024 ** 2],
    ["512Mi", 512 * 1024 ** 2],
    ["1G", 1024 ** 3],
    ["1.5G", 1.5 * 1024 ** 3],
    ["0", 0],
  ];
  for (const [input, expected] of valid) {
    it(`${JSON.stringify(input)} → ${expected} bytes`, () => assert.equal(parseSize("--max-memory", input), expected));
  }
  for (const input of ["512X", "M", "-1M", "", "1 G B", -5, Number.POSITIVE_INFINITY, false]) {
    it(`rejects ${String(JSON.stringify(input) ?? input)}`, () => {
      assert.throws(() => parseSize("--max-memory", input), /^CorralError: --max-memory: .* is not valid; expected a size like 512K, 512M or 1G$/);
    });
  }
});

describe("parseInteger", () => {
  it("accepts numbers and decimal strings within range", () => {
    assert.equal(parseInteger("--max-restarts", 10, { min: 0, max: 100 }), 10);
    assert.equal(parseInteger("--max-restarts", "10", { min: 0, max: 100 }), 10);
    assert.equal(parseInteger("--max-restarts", "0", { min: 0, max: 100 }), 0);
  });
  const cases: Array<[unknown, { min?: number; max?: number }, string]> = [
    ["abc", { min: 0, max: 100 }, '"abc" is not valid; expected an integer from 0 to 100'],
    [1.5, { min: 0, max: 100 }, "1.5 is not valid; expected an integer from 0 to 100"],
    ["101", { min: 0, max: 100 }, '"101" is not valid; expected an integer from 0 to 100'],
    [-1, { min: 0 }, "-1 is not valid; expected an integer of at least 0"],
    ["1e3", {}, '"1e3" is not valid; expected an integer'],
  ];
  for (const [input, range, message] of cases) {
    it(`rejects ${JSON.stringify(input)} with ${JSON.stringify(range)}`, () => {
      assert.throws(() => parseInteger("--max-restarts", input, range), badOption(`--max-restarts: ${message}`));
    });
  }
});

describe("parseBoolean", () => {
  const cases: Array<[unknown, boolean]> = [
    [true, true], [false, false], ["true", true], ["FALSE", false], ["1", true], ["0", false],
    ["yes", true], ["no", false], ["on", true], ["off", false],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(parseBoolean("CORRAL_WATCH", input), expected));
  }
  it("rejects anything else", () => {
    assert.throws(() => parseBoolean("CORRAL_WATCH", "maybe"), badOption('CORRAL_WATCH: "maybe" is not valid; expected true or false'));
    assert.throws(() => parseBoolean("CORRAL_WATCH", 1), badOption("CORRAL_WATCH: 1 is not valid; expected true or false"));
  });
});

describe("parseEnum", () => {
  const allowed = ["round-robin", "least-connections"] as const;
  it("returns an allowed value", () => assert.equal(parseEnum("--balance", "least-connections", allowed), "least-connections"));
  it("lists the allowed values", () => {
    assert.throws(
      () => parseEnum("--balance", "Round-Robin", allowed),
      badOption('--balance: "Round-Robin" is not valid; expected one of round-robin, least-connections'),
    );
  });
});

describe("structured values", () => {
  it("parseStringList copies a list of strings and rejects others readably", () => {
    const input = ["--inspect"];
    const parsed = parseStringList("nodeArgs", input);
    assert.deepEqual(parsed, ["--inspect"]);
    assert.notEqual(parsed, input);
    assert.throws(() => parseStringList("nodeArgs", ["--a", 1]), badOption('nodeArgs: ["--a", 1] is not valid; expected a list of strings'));
    assert.throws(() => parseStringList("nodeArgs", "--inspect"), badOption('nodeArgs: "--inspect" is not valid; expected a list of strings'));
  });
  it("parseStringMap stringifies numbers and booleans, rejects nested values", () => {
    assert.deepEqual(parseStringMap("env", { PORT: 3000, DEBUG: true, NAME: "x" }), { PORT: "3000", DEBUG: "true", NAME: "x" });
    assert.throws(() => parseStringMap("env", { A: { b: 1 } }), badOption("env.A: an object is not valid; expected a string"));
    assert.throws(() => parseStringMap("env", ["A=1"]), badOption('env: ["A=1"] is not valid; expected an object of NAME: value strings'));
  });
});
