// Property tests over every parser that sees outside input: IPC messages from
// workers, option values (flags, env, config files, new Corral()), config files
// and command lines. The property is always the same: a value is either
// accepted into its typed, in-range form, or refused with a CorralError whose
// message names where the value came from — never another exception.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseStartArgs } from "../../src/cli/args.js";
import { loadConfigFile } from "../../src/config/file.js";
import { OPTION_KEYS, type OptionKey, type OptionSources, type RawOptions } from "../../src/config/keys.js";
import { mergeSources } from "../../src/config/merge.js";
import { resolveOptions } from "../../src/config/resolve.js";
import * as values from "../../src/config/values.js";
import { CorralError } from "../../src/errors.js";
import { CMD, LATENCY_BUCKETS_MS, parseWorkerMessage } from "../../src/protocol.js";
import { fixture, tempDir } from "../helpers/corral.js";

const RUNS = Number(process.env.CORRAL_FUZZ_RUNS) || 500;
const ENTRY = fixture("hello.cjs");

/** Anything at all, including values JSON cannot carry (a config file in JS or TS can export them). */
const anything = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, () => 1, Symbol("s")),
);

/** Strings shaped like option values, so the parsers' accepting paths get exercised too. */
const valueLike = fc.oneof(
  fc.stringMatching(/^-?\d{1,12}(\.\d{1,4})?\s?(ms|s|m|h|k|K|M|G|T|Mi|MB|b|B|x)?$/),
  fc.constantFrom("", " ", "max", "-1", "0", "10s", "512M", "true", "no", "round-robin", "os", "json", "127.0.0.1:9000", "[::1]:0", "::1:9000", "nobody", "1e3", "0x10", "+5", "-0", "Infinity"),
  fc.string(),
);
const optionValue = fc.oneof(valueLike, anything, fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())));

/** Asserts `fn` returns, or throws a usage CorralError whose message mentions one of `names`. */
function acceptsOrNames<T>(fn: () => T, names: readonly string[]): T | undefined {
  try {
    return fn();
  } catch (error) {
    assert.ok(error instanceof CorralError, `threw a non-CorralError: ${(error as Error)?.stack ?? String(error)}`);
    assert.equal(error.exitCode, 2, `a bad value is a usage error (exit 2): ${error.code} ${error.message}`);
    assert.ok(names.some((name) => error.message.includes(name)), `the message names the option (${names.join(" | ")}): ${error.message}`);
    return undefined;
  }
}

describe("parseWorkerMessage", () => {
  it("never throws, and only accepts well-typed corral messages", () => {
    const corralShaped = fc.record(
      {
        cmd: fc.constantFrom(CMD, CMD, "NODE_CLUSTER", "NODE_corral"),
        act: fc.oneof(fc.constantFrom("listen", "close", "ack", "load", "ready", "heartbeat", "metrics", "conn", "__proto__", "constructor", "toString"), fc.string()),
        seq: optionValue, key: optionValue, address: optionValue, port: optionValue, addressType: optionValue, backlog: optionValue,
        ipv6Only: optionValue, accepted: optionValue, connections: optionValue, stats: optionValue, metrics: optionValue,
      },
      { requiredKeys: ["cmd", "act"] },
    );
    fc.assert(
      fc.property(fc.oneof(anything, corralShaped), (raw) => {
        const message = parseWorkerMessage(raw);
        if (message === null) return;
        assert.equal(message.cmd, CMD);
        switch (message.act) {
          case "listen":
            assert.ok(Number.isSafeInteger(message.port) && message.port >= 0 && message.port <= 65535);
            assert.ok(typeof message.key === "string" && message.key.length <= 512);
            assert.ok(message.address === null || (typeof message.address === "string" && message.address.length <= 256));
            assert.ok([4, 6, -1].includes(message.addressType));
            break;
          case "ack":
            assert.ok(Number.isSafeInteger(message.seq) && message.seq >= 0 && typeof message.accepted === "boolean");
            break;
          case "heartbeat":
            assert.equal(message.stats.latencyCounts.length, LATENCY_BUCKETS_MS.length + 1);
            for (const v of Object.values(message.stats).flat()) assert.ok(typeof v === "number" && Number.isFinite(v) && v >= 0);
            break;
          case "close":
            assert.ok(typeof message.key === "string");
            break;
          case "load":
            assert.ok(Number.isSafeInteger(message.connections) && message.connections >= 0);
            break;
          case "metrics":
            assert.ok(Array.isArray(message.metrics));
            break;
          case "ready":
            break;
          default:
            assert.fail(`accepted an unknown act ${String((message as { act: unknown }).act)}`);
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it("accepts every well-formed heartbeat and listen request (the validator is not stricter than the protocol)", () => {
    const count = fc.nat();
    const finite = fc.double({ min: 0, max: 1e12, noNaN: true });
    const stats = fc.record({
      lagMs: finite, elu: fc.double({ min: 0, max: 1, noNaN: true }), rss: count, heapUsed: count, heapTotal: count, cpuSeconds: finite,
      connections: count, inflight: count, requests: count, latencySumMs: finite,
      latencyCounts: fc.array(count, { minLength: LATENCY_BUCKETS_MS.length + 1, maxLength: LATENCY_BUCKETS_MS.length + 1 }),
    });
    fc.assert(fc.property(stats, (s) => void assert.notEqual(parseWorkerMessage({ cmd: CMD, act: "heartbeat", stats: s }), null)), { numRuns: RUNS });
    const listen = fc.record({
      cmd: fc.constant(CMD), act: fc.constant("listen"), seq: count, key: fc.string({ maxLength: 512 }),
      address: fc.oneof(fc.constant(null), fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 0, max: 65535 }),
      addressType: fc.constantFrom(4, 6, -1), backlog: fc.integer({ min: -1, max: 65535 }), ipv6Only: fc.boolean(),
    });
    fc.assert(fc.property(listen, (m) => void assert.notEqual(parseWorkerMessage(m), null)), { numRuns: RUNS });
  });
});

describe("option value parsers", () => {
  const input = fc.oneof(valueLike, optionValue);

  it("parseDuration: an integer number of ms within range, or an error naming the option", () => {
    fc.assert(fc.property(input, fc.nat({ max: 10_000 }), (value, min) => {
      const ms = acceptsOrNames(() => values.parseDuration("--hang-timeout", value, { min }), ["--hang-timeout"]);
      if (ms !== undefined) assert.ok(Number.isSafeInteger(ms) && ms >= min && ms <= values.MAX_TIMER_MS, `${String(value)} → ${ms}`);
    }), { numRuns: RUNS });
  });

  it("parseSize: whole bytes, or an error naming the option", () => {
    fc.assert(fc.property(input, (value) => {
      const bytes = acceptsOrNames(() => values.parseSize("--max-memory", value), ["--max-memory"]);
      if (bytes !== undefined) assert.ok(Number.isSafeInteger(bytes) && bytes >= 0, `${String(value)} → ${bytes}`);
    }), { numRuns: RUNS });
  });

  it("parseInteger: a safe integer within [min, max], or an error naming the option", () => {
    fc.assert(fc.property(input, fc.integer({ min: -100, max: 100 }), fc.integer({ min: 0, max: 1_000_000 }), (value, min, span) => {
      const n = acceptsOrNames(() => values.parseInteger("CORRAL_MAX_QUEUE", value, { min, max: min + span }), ["CORRAL_MAX_QUEUE"]);
      if (n !== undefined) assert.ok(Number.isSafeInteger(n) && n >= min && n <= min + span);
    }), { numRuns: RUNS });
  });

  it("parseBoolean, parseEnum, parseString, parseStringList, parseStringMap", () => {
    fc.assert(fc.property(input, (value) => {
      const b = acceptsOrNames(() => values.parseBoolean("--watch", value), ["--watch"]);
      if (b !== undefined) assert.equal(typeof b, "boolean");
      const e = acceptsOrNames(() => values.parseEnum("--balance", value, ["round-robin", "ip-hash"]), ["--balance"]);
      if (e !== undefined) assert.ok(e === "round-robin" || e === "ip-hash");
      const s = acceptsOrNames(() => values.parseString("--name", value, { pattern: /^[a-z]+$/, allowed: "letters" }), ["--name"]);
      if (s !== undefined) assert.match(s, /^[a-z]+$/);
      const list = acceptsOrNames(() => values.parseStringList("nodeArgs", value), ["nodeArgs"]);
      if (list !== undefined) assert.ok(list.every((item) => typeof item === "string"));
      const map = acceptsOrNames(() => values.parseStringMap("env", value), ["env"]);
      if (map !== undefined) assert.ok(Object.values(map).every((item) => typeof item === "string"));
    }), { numRuns: RUNS });
  });
});

describe("resolveOptions", () => {
  const keys = OPTION_KEYS.filter((key) => key !== "entry" && key !== "cwd");
  const options = fc.dictionary(fc.constantFrom(...keys), optionValue, { maxKeys: 6 });

  it("accepts any combination of values into a valid frozen config, or names a bad one", () => {
    fc.assert(fc.property(options, (raw) => {
      const sources: OptionSources = {};
      for (const key of Object.keys(raw) as OptionKey[]) sources[key] = `src-${key}`;
      const layer = { options: { entry: ENTRY, ...raw } as RawOptions, sources };
      const resolved = acceptsOrNames(
        () => resolveOptions(mergeSources(layer, null, { options: {}, sources: {} }), { env: {}, usableCpus: 2 }),
        Object.values(sources),
      );
      if (resolved === undefined) return;
      assert.ok(Object.isFrozen(resolved));
      assert.ok(Number.isSafeInteger(resolved.workers) && resolved.workers >= 1 && resolved.workers <= 1024);
      for (const ms of [resolved.listenTimeoutMs, resolved.killTimeoutMs, resolved.hangTimeoutMs, resolved.minUptimeMs, resolved.queueTimeoutMs, resolved.heartbeatIntervalMs]) {
        assert.ok(Number.isSafeInteger(ms) && ms >= 0 && ms <= values.MAX_TIMER_MS);
      }
      assert.ok(resolved.hangTimeoutMs >= 2 * resolved.heartbeatIntervalMs, "one late beat is not a hang");
      assert.ok(resolved.listenTimeoutMs >= 1000 && resolved.hangTimeoutMs >= 1000 && resolved.heartbeatIntervalMs >= 100, "no timeout that fails every worker at once");
      assert.ok(Number.isSafeInteger(resolved.maxMemoryBytes) && resolved.maxMemoryBytes >= 0);
      assert.ok(Number.isSafeInteger(resolved.maxQueue) && resolved.maxQueue >= 0);
      assert.match(resolved.name, /^[A-Za-z0-9._-]{1,64}$/);
      if (resolved.admin) assert.ok(resolved.admin.port >= 0 && resolved.admin.port <= 65535);
    }), { numRuns: RUNS * 2 });
  });

  it("reports an env var's bad value by the variable's name", () => {
    fc.assert(fc.property(fc.constantFrom("CORRAL_HANG_TIMEOUT", "CORRAL_MAX_MEMORY", "CORRAL_WORKERS", "CORRAL_MAX_QUEUE", "CORRAL_WAIT_READY", "CORRAL_BALANCE"), valueLike, (name, value) => {
      acceptsOrNames(() => resolveOptions({ entry: ENTRY }, { env: { [name]: value }, usableCpus: 2 }), [name, "--heartbeat-interval"]);
    }), { numRuns: RUNS });
  });
});

describe("config files", () => {
  const dir = tempDir("corral-fuzz-config-");
  const file = join(dir, "corral.config.json");

  it("any JSON document loads into apps or is refused with a config error; each app then resolves or names its bad key", async () => {
    const app = fc.dictionary(fc.oneof(fc.constantFrom(...OPTION_KEYS), fc.string()), fc.jsonValue(), { maxKeys: 5 });
    const document = fc.oneof(fc.jsonValue(), app, fc.array(app, { maxLength: 3 }), fc.record({ apps: fc.oneof(fc.array(app, { maxLength: 3 }), fc.jsonValue()) }));
    await fc.assert(fc.asyncProperty(document, async (value) => {
      writeFileSync(file, JSON.stringify(value) ?? "null");
      let apps;
      try {
        apps = (await loadConfigFile("corral.config.json", dir))!.apps;
      } catch (error) {
        assert.ok(error instanceof CorralError, `not a CorralError: ${(error as Error)?.stack}`);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /corral\.config\.json/);
        return;
      }
      for (const layer of apps) {
        const withEntry = { options: { ...layer.options, entry: ENTRY, cwd: dir }, sources: layer.sources };
        acceptsOrNames(() => resolveOptions(withEntry, { env: {}, usableCpus: 2, cwd: dir }), ["corral.config.json"]);
      }
    }), { numRuns: RUNS });
  });

  it("bytes that are not JSON are refused with a config error", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
      const text = Buffer.from(bytes);
      writeFileSync(file, text);
      try {
        JSON.parse(text.toString("utf8"));
        return; // happened to be JSON: the property above covers it
      } catch {
        // not JSON: must be refused cleanly
      }
      await assert.rejects(loadConfigFile("corral.config.json", dir), (error: unknown) => error instanceof CorralError && error.code === "CORRAL_ERR_BAD_CONFIG");
    }), { numRuns: RUNS });
  });
});

describe("command lines", () => {
  const flagNames = ["--workers", "-w", "--balance", "--hang-timeout", "--max-memory", "--max-queue", "--queue-timeout", "--user", "--group", "--wait-ready", "--watch", "--json-logs", "--config", "--name"];
  const token = fc.oneof(
    fc.constantFrom(...flagNames, "--", "-", "--no-such-flag", "--constructor", "--__proto__", "--toString", "--hasOwnProperty", "-x", "app.js"),
    valueLike,
    fc.string().map((s) => `--${s}`),
    fc.tuple(fc.constantFrom(...flagNames, "--constructor", "--__proto__", "--toString"), valueLike).map(([f, v]) => `${f}=${v}`),
  );

  it("any argv parses into flags that then resolve or name the bad flag; unknown flags are refused", () => {
    fc.assert(fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
      let parsed;
      try {
        parsed = parseStartArgs(argv);
      } catch (error) {
        assert.ok(error instanceof CorralError, `not a CorralError: ${(error as Error)?.stack}`);
        assert.equal(error.exitCode, 2);
        return;
      }
      if (parsed.help) return;
      // Every recorded flag is one the command defines; nothing ended up under a prototype key.
      for (const key of Object.keys(parsed.flags.options)) assert.ok((OPTION_KEYS as readonly string[]).includes(key), `unexpected option key ${key} from ${JSON.stringify(argv)}`);
      const head = argv.indexOf("--") === -1 ? argv : argv.slice(0, argv.indexOf("--"));
      for (const arg of head) {
        const name = /^--([^=]+)/.exec(arg)?.[1];
        if (name && ["constructor", "__proto__", "toString", "hasOwnProperty", "no-such-flag"].includes(name)) assert.fail(`accepted unknown flag ${arg}: ${JSON.stringify(argv)}`);
      }
      const layer = { options: { ...parsed.flags.options, entry: ENTRY }, sources: parsed.flags.sources };
      acceptsOrNames(() => resolveOptions(layer, { env: {}, usableCpus: 2 }), [...Object.values(parsed.flags.sources), "--heartbeat-interval"]);
    }), { numRuns: RUNS * 2 });
  });
});
