import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseStartArgs } from "../../src/cli/args.js";
import { ecosystemApps } from "../../src/config/ecosystem.js";
import { optionsFromEnv } from "../../src/config/env.js";
import { loadConfigFile } from "../../src/config/file.js";
import { OPTION_KEYS, type OptionLayer, type RawOptions } from "../../src/config/keys.js";
import { mergeSources } from "../../src/config/merge.js";
import { optionChanges } from "../../src/config/reconfigure.js";
import { defaultName, resolveOptions, type ResolveContext } from "../../src/config/resolve.js";
import { reusePortUnavailable } from "../../src/config/reuse-port-support.js";
import type { CorralError } from "../../src/errors.js";
import { tempTree } from "../helpers/corral.js";
import { corralError } from "../helpers/errors.js";

const dir = tempTree({ "server.js": "", "app/main.mjs": "" }, "corral-resolve-");

/** Resolves in the temp dir, with no CORRAL_* env and 3 usable CPUs unless given. */
function resolve(input: RawOptions | OptionLayer, context: ResolveContext = {}) {
  return resolveOptions(input, { cwd: dir, env: {}, usableCpus: 3, ...context });
}

describe("resolveOptions defaults", () => {
  it("fills every default and makes paths absolute", () => {
    assert.deepEqual(resolve({ entry: "server.js" }), {
      entry: path.join(dir, "server.js"),
      workers: 3,
      balance: "round-robin",
      name: "server",
      admin: null,
      adminToken: null,
      waitReady: false,
      listenTimeoutMs: 8_000,
      killTimeoutMs: 10_000,
      hangTimeoutMs: 10_000,
      maxMemoryBytes: 0,
      maxRestarts: 10,
      unhealthyAfter: 3,
      minUptimeMs: 5_000,
      reloadParallel: 1,
      user: null,
      group: null,
      workerIdentity: {},
      allowPorts: null,
      watch: false,
      nodeArgs: [],
      args: [],
      env: {},
      envFiles: [],
      fileEnv: {},
      cwd: dir,
      logFormat: "prefix",
      logFile: null,
      errorFile: null,
      timestamps: false,
      logBufferBytes: 4 * 1024 * 1024,
      maxQueue: 1024,
      queueTimeoutMs: 10_000,
      shutdownDelayMs: 0,
      heartbeatIntervalMs: 1_000,
      maxRequests: 0,
      maxRequestsJitter: 0,
      maxAgeMs: 0,
      restartCron: null,
      instanceVar: "NODE_APP_INSTANCE",
      noListen: false,
      sources: {},
    });
  });

  it("is frozen, nested values included", () => {
    const resolved = resolve({ entry: "server.js", nodeArgs: ["--inspect"], env: { A: "1" }, admin: 9000 });
    assert.ok(Object.isFrozen(resolved));
    assert.ok(Object.isFrozen(resolved.nodeArgs));
    assert.ok(Object.isFrozen(resolved.env));
    assert.ok(Object.isFrozen(resolved.admin));
    assert.ok(Object.isFrozen(resolved.sources));
    assert.throws(() => (resolved.nodeArgs as string[]).push("x"), TypeError);
  });

  it("converts typed and string forms alike", () => {
    const resolved = resolve({
      entry: "server.js", workers: "-1", killTimeout: "2m", maxMemory: "512M", waitReady: true,
      maxRestarts: 0, reloadParallel: 2, logFormat: "json", minUptime: 250, env: { PORT: "3000" },
    });
    assert.equal(resolved.workers, 2);
    assert.equal(resolved.killTimeoutMs, 120_000);
    assert.equal(resolved.maxMemoryBytes, 512 * 1024 * 1024);
    assert.equal(resolved.waitReady, true);
    assert.equal(resolved.maxRestarts, 0);
    assert.equal(resolved.reloadParallel, 2);
    assert.equal(resolved.logFormat, "json");
    assert.equal(resolved.minUptimeMs, 250);
    assert.deepEqual(resolved.env, { PORT: "3000" });
  });

  it("resolves a relative cwd, and the entry inside it", () => {
    const resolved = resolve({ entry: "main.mjs", cwd: "app" });
    assert.equal(resolved.cwd, path.join(dir, "app"));
    assert.equal(resolved.entry, path.join(dir, "app", "main.mjs"));
    assert.equal(resolved.name, "main");
  });

  it("derives a valid default name from any entry file name", () => {
    assert.equal(defaultName("/srv/my app (v2).js"), "my-app-v2-");
    assert.equal(defaultName("/srv/api.server.ts"), "api.server");
    assert.equal(defaultName(`/srv/${"x".repeat(80)}.js`), "x".repeat(64));
  });

  it("reads CORRAL_* env below the input", () => {
    const resolved = resolve({ entry: "server.js", workers: 2 }, { env: { CORRAL_WORKERS: "1", CORRAL_NAME: "from-env" } });
    assert.equal(resolved.workers, 2);
    assert.equal(resolved.name, "from-env");
  });
});

describe("precedence: flags > config file > env", () => {
  it("takes each value from the highest source that has it", async () => {
    writeFileSync(
      path.join(dir, "corral.config.json"),
      JSON.stringify({ entry: "server.js", workers: 2, killTimeout: "20s", name: "from-file" }),
    );
    try {
      const args = parseStartArgs(["--workers", "4", "--name", "from-flag"]);
      const file = await loadConfigFile(undefined, dir);
      assert.ok(file);
      const env = optionsFromEnv({ CORRAL_WORKERS: "1", CORRAL_KILL_TIMEOUT: "30s", CORRAL_HANG_TIMEOUT: "40s" });
      const resolved = resolve(mergeSources(args.flags, file.apps[0]!, env));
      assert.equal(resolved.workers, 4); // flag over file and env
      assert.equal(resolved.name, "from-flag");
      assert.equal(resolved.killTimeoutMs, 20_000); // file over env
      assert.equal(resolved.hangTimeoutMs, 40_000); // env when nothing else says
      assert.equal(resolved.entry, path.join(dir, "server.js"));
    } finally {
      rmSync(path.join(dir, "corral.config.json"));
    }
  });
});

describe("bad values name their source and what is allowed", () => {
  const file = (key: string) => `corral.config.json: apps[1].${key}`;
  const cases: Array<[string, RawOptions, Record<string, string>, string]> = [
    ["flag --workers", { workers: "abc" }, { workers: "--workers" }, '--workers: "abc" is not valid; expected a positive integer (at most 1024), max or -1'],
    ["programmatic workers", { workers: 0 }, {}, "--workers: 0 is not valid; expected a positive integer (at most 1024), max or -1"],
    ["file workers", { workers: "many" }, { workers: file("workers") }, `${file("workers")}: "many" is not valid; expected a positive integer (at most 1024), max or -1`],
    ["balance", { balance: "fastest" }, {}, '--balance: "fastest" is not valid; expected one of round-robin, least-connections, ip-hash, os'],
    ["name", { name: "my app" }, { name: "--name" }, '--name: "my app" is not valid; expected 1 to 64 letters, digits, dots, underscores or dashes'],
    ["kill timeout", { killTimeout: "10x" }, {}, '--kill-timeout: "10x" is not valid; expected a duration like 500ms, 10s or 2m'],
    ["listen timeout 0", { listenTimeout: 0 }, {}, "--listen-timeout: 0 is not valid; expected a duration from 1s to 24 days, like 10s or 2m"],
    // Durations so short that every worker is refused or killed at once: a slip of the unit, never a setting.
    ["listen timeout 1ms", { listenTimeout: "1ms" }, {}, '--listen-timeout: "1ms" is not valid; expected a duration from 1s to 24 days, like 10s or 2m'],
    ["hang timeout 1ms", { hangTimeout: "1ms" }, {}, '--hang-timeout: "1ms" is not valid; expected a duration from 1s to 24 days, like 10s or 2m'],
    ["heartbeat interval 10ms", { heartbeatInterval: "10ms" }, {}, '--heartbeat-interval: "10ms" is not valid; expected a duration from 100ms to 24 days, like 500ms, 10s or 2m'],
    ["min uptime 5ms", { minUptime: 5 }, {}, "--min-uptime: 5 is not valid; expected a duration from 100ms to 24 days, like 500ms, 10s or 2m"],
    ["queue timeout 1ms", { queueTimeout: "1ms" }, { queueTimeout: "CORRAL_QUEUE_TIMEOUT" }, 'CORRAL_QUEUE_TIMEOUT: "1ms" is not valid; expected a duration from 100ms to 24 days, like 500ms, 10s or 2m'],
    ["file listen timeout 1ms", { listenTimeout: 1 }, { listenTimeout: file("listenTimeout") }, `${file("listenTimeout")}: 1 is not valid; expected a duration from 1s to 24 days, like 10s or 2m`],
    ["hang timeout within two heartbeats", { hangTimeout: "1500ms", heartbeatInterval: "1s" }, {}, '--hang-timeout: "1500ms" is not valid; expected a duration of at least 2 heartbeat intervals (2 × 1s): 2s or more'],
    ["max memory", { maxMemory: "lots" }, {}, '--max-memory: "lots" is not valid; expected a size like 512K, 512M or 1G'],
    ["unhealthy after", { unhealthyAfter: 0 }, {}, "--unhealthy-after: 0 is not valid; expected an integer from 1 to 1000000"],
    ["max restarts", { maxRestarts: -1 }, {}, "--max-restarts: -1 is not valid; expected an integer from 0 to 1000000"],
    ["reload parallel", { reloadParallel: "0" }, {}, '--reload-parallel: "0" is not valid; expected an integer from 1 to 1024'],
    ["wait ready", { waitReady: "maybe" }, {}, '--wait-ready: "maybe" is not valid; expected true or false'],
    ["log format", { logFormat: "xml" }, {}, '--log-format: "xml" is not valid; expected one of prefix, raw, json'],
    ["max queue", { maxQueue: 1.5 }, {}, "--max-queue: 1.5 is not valid; expected an integer from 0 to 1000000"],
    ["admin port", { admin: "99999" }, {}, '--admin: "99999" is not valid; expected [HOST:]PORT like 9000, 127.0.0.1:9000 or [::1]:9000 (port 0 to 65535)'],
    ["admin token", { admin: 9000, adminToken: "has space and is long" }, {}, "--admin-token: a value of 21 characters (not shown) is not valid; expected a token of at least 16 printable ASCII characters without spaces, e.g. $(openssl rand -hex 16)"],
    ["short admin token", { admin: 9000, adminToken: "abc" }, {}, "--admin-token: a value of 3 characters (not shown) is not valid; expected a token of at least 16 printable ASCII characters without spaces, e.g. $(openssl rand -hex 16)"],
    ["admin token without admin", { adminToken: "0123456789abcdef" }, {}, "--admin-token is set but --admin is not: the token only protects the admin server; add --admin [HOST:]PORT or remove the token"],
    ["max memory in bytes", { maxMemory: 512 }, {}, "--max-memory: 512 is not valid; expected a size of at least 64M (a fresh worker uses ~50 MB; leave it out for no limit)"],
    ["max memory 0", { maxMemory: "0" }, {}, '--max-memory: "0" is not valid; expected a size of at least 64M (a fresh worker uses ~50 MB; leave it out for no limit)'],
    ["kill timeout 0", { killTimeout: 0 }, {}, "--kill-timeout: 0 is not valid; expected a duration from 1s to 24 days, like 10s or 2m"],
    ["allow ports: a range the wrong way round", { allowPorts: "3010-3000" }, {}, '--allow-ports: "3010-3000" is not valid; expected a list of ports and ranges from 0 to 65535, like 80,443,3000-3010'],
    ["allow ports: past 65535", { allowPorts: [80, 70000] }, {}, "--allow-ports: [80, 70000] is not valid; expected a list of ports and ranges from 0 to 65535, like 80,443,3000-3010"],
    ["allow ports: a name", { allowPorts: "http" }, { allowPorts: "CORRAL_ALLOW_PORTS" }, 'CORRAL_ALLOW_PORTS: "http" is not valid; expected a list of ports and ranges from 0 to 65535, like 80,443,3000-3010'],
    ["allow ports: empty", { allowPorts: " , " }, {}, '--allow-ports: " , " is not valid; expected a list of ports and ranges from 0 to 65535, like 80,443,3000-3010'],
    ["balance os with user", { balance: "os", user: "nobody" }, { user: "CORRAL_USER" }, "--balance os cannot be combined with CORRAL_USER: the kernel shares an SO_REUSEPORT port only between sockets of the same user, and the primary holds the port as root; use another --balance strategy with --user"],
    ["node args", { nodeArgs: "--inspect" }, {}, 'nodeArgs: "--inspect" is not valid; expected a list of strings'],
    ["env", { env: { PORT: [1] } }, {}, "env.PORT: [1] is not valid; expected a string"],
    ["cwd", { cwd: "missing-dir" }, {}, 'cwd: "missing-dir" is not valid; expected an existing directory'],
    ["hang timeout", { hangTimeout: "1s" }, {}, '--hang-timeout: "1s" is not valid; expected a duration of at least 2 heartbeat intervals (2 × 1s): 2s or more'],
    ["heartbeat", { heartbeatInterval: "20s" }, {}, '--heartbeat-interval: "20s" is not valid; expected a duration of at most 1/2 of the hang timeout (10s): 5s or less'],
    ["max requests", { maxRequests: "many" }, {}, '--max-requests: "many" is not valid; expected an integer from 0 to 1000000000'],
    ["max age under a second", { maxAge: "500ms" }, {}, '--max-age: "500ms" is not valid; expected a duration from 1s to 24 days, like 10s or 2m'],
    ["restart cron: 7 fields", { restartCron: "0 0 3 * * * 2030" }, {}, '--restart-cron: "0 0 3 * * * 2030" is not valid; expected a cron expression of 5 fields ("0 3 * * *": 03:00 every day) or 6 with seconds first ("*/30 * * * * *")'],
  ];
  for (const [name, input, sources, message] of cases) {
    it(name, () => {
      assert.throws(() => resolve({ entry: "server.js", ...input }, { sources }), corralError("CORRAL_ERR_BAD_OPTION", message));
    });
  }

  it("an ecosystem file's listen_timeout of 1 (ms, as PM2 reads it) names the file, the app and the key", () => {
    const [app] = ecosystemApps({ apps: [{ name: "api", script: "server.js", listen_timeout: 1 }] }, "ecosystem.config.js", dir, undefined);
    assert.throws(() => resolve(app!.layer), corralError("CORRAL_ERR_BAD_OPTION", 'ecosystem.config.js: app "api": listen_timeout: 1 is not valid; expected a duration from 1s to 24 days, like 10s or 2m'));
  });

  const envCases: Array<[Record<string, string>, string]> = [
    [{ CORRAL_WORKERS: "abc" }, 'CORRAL_WORKERS: "abc" is not valid; expected a positive integer (at most 1024), max or -1'],
    [{ CORRAL_KILL_TIMEOUT: "soon" }, 'CORRAL_KILL_TIMEOUT: "soon" is not valid; expected a duration like 500ms, 10s or 2m'],
    [{ CORRAL_WATCH: "sometimes" }, 'CORRAL_WATCH: "sometimes" is not valid; expected true or false'],
    [{ CORRAL_BALANCE: "random" }, 'CORRAL_BALANCE: "random" is not valid; expected one of round-robin, least-connections, ip-hash, os'],
  ];
  for (const [env, message] of envCases) {
    it(`env ${Object.keys(env)[0]}`, () => {
      assert.throws(() => resolve({ entry: "server.js" }, { env }), corralError("CORRAL_ERR_BAD_OPTION", message));
    });
  }

  it("an empty env var counts as unset", () => {
    assert.equal(resolve({ entry: "server.js" }, { env: { CORRAL_WORKERS: "", CORRAL_ADMIN: " " } }).workers, 3);
  });
});

describe("structural errors", () => {
  it("unknown key names it, suggests the closest and lists known options", () => {
    assert.throws(
      () => resolve({ entry: "server.js", wokers: 2 } as RawOptions),
      corralError("CORRAL_ERR_BAD_OPTION", `corral options: unknown option "wokers" (did you mean "workers"?); known options: ${OPTION_KEYS.join(", ")}`),
    );
  });

  it("entry not found gives the absolute path", () => {
    assert.throws(() => resolve({ entry: "nope.js" }), corralError("CORRAL_ERR_ENTRY_NOT_FOUND", `entry file not found: ${path.join(dir, "nope.js")}`));
  });

  it("a directory entry is not a file", () => {
    assert.throws(() => resolve({ entry: "app" }), corralError("CORRAL_ERR_ENTRY_NOT_FOUND", `entry is not a file: ${path.join(dir, "app")}`));
  });

  it("no entry at all says how to give one", () => {
    assert.throws(() => resolve({}), corralError("CORRAL_ERR_BAD_OPTION", /no entry file given; run corral start <entry>/));
  });
});

describe("--admin", () => {
  const valid: Array<[unknown, string | undefined, { host: string; port: number }]> = [
    ["9000", undefined, { host: "127.0.0.1", port: 9000 }],
    [9000, undefined, { host: "127.0.0.1", port: 9000 }],
    ["127.0.0.1:9001", undefined, { host: "127.0.0.1", port: 9001 }],
    ["localhost:9002", undefined, { host: "localhost", port: 9002 }],
    ["[::1]:9003", undefined, { host: "::1", port: 9003 }],
    ["0", undefined, { host: "127.0.0.1", port: 0 }],
    ["0.0.0.0:9004", "secret-token-0123456789", { host: "0.0.0.0", port: 9004 }],
    ["[::]:9005", "secret-token-0123456789", { host: "::", port: 9005 }],
  ];
  for (const [admin, adminToken, expected] of valid) {
    it(`${JSON.stringify(admin)} → ${expected.host} ${expected.port}`, () => {
      assert.deepEqual(resolve({ entry: "server.js", admin, adminToken }).admin, expected);
    });
  }
  for (const admin of ["0.0.0.0:9000", "[::]:9000", "10.1.2.3:80", "example.com:80"]) {
    it(`refuses ${admin} without a token`, () => {
      assert.throws(
        () => resolve({ entry: "server.js", admin }),
        corralError("CORRAL_ERR_BAD_OPTION", `--admin: ${JSON.stringify(admin)} is not valid; expected a loopback address, or set --admin-token to bind elsewhere`),
      );
    });
  }
  for (const admin of ["::1:9000", "host:", ":9000x", "[127.0.0.1]:80", "a b:80", "-1", true]) {
    it(`rejects ${JSON.stringify(admin)}`, () => {
      assert.throws(() => resolve({ entry: "server.js", admin }), corralError("CORRAL_ERR_BAD_OPTION", /^--admin: .* expected \[HOST:\]PORT/));
    });
  }
});

describe("--balance os", () => {
  const cases: Array<[string, string, string | null]> = [
    ["20.20.2", "linux", "Node 20.20.2"],
    ["22.11.0", "linux", "Node 22.11.0"],
    ["23.0.0", "linux", "Node 23.0.0"],
    ["22.12.0", "linux", null],
    ["23.1.0", "freebsd", null],
    ["24.0.0", "linux", null],
    ["24.0.0", "darwin", "darwin does not support it"],
    ["24.0.0", "win32", "win32 does not support it"],
  ];
  for (const [nodeVersion, platform, problem] of cases) {
    it(`Node ${nodeVersion} on ${platform}: ${problem ?? "ok"}`, () => {
      const run = () => resolve({ entry: "server.js", balance: "os" }, { nodeVersion, platform });
      if (problem === null) {
        assert.equal(run().balance, "os");
        return;
      }
      assert.throws(run, corralError("CORRAL_ERR_REUSEPORT_UNSUPPORTED", new RegExp(`^--balance: "os" needs the reusePort listen option \\(SO_REUSEPORT\\); .*${problem}`)));
      if (platform === "linux") assert.match(reusePortUnavailable(nodeVersion, platform)!, /needs Node >= 22\.12/);
    });
  }
  it("exits 2", () => {
    try {
      resolve({ entry: "server.js", balance: "os" }, { nodeVersion: "20.0.0", platform: "linux" });
      assert.fail("should throw");
    } catch (error) {
      assert.equal((error as CorralError).exitCode, 2);
    }
  });
});

describe("--allow-ports", () => {
  const cases: Array<[unknown, Array<{ low: number; high: number }>]> = [
    ["80,443,3000-3010", [{ low: 80, high: 80 }, { low: 443, high: 443 }, { low: 3000, high: 3010 }]],
    ["8080 9090", [{ low: 8080, high: 8080 }, { low: 9090, high: 9090 }]],
    [3000, [{ low: 3000, high: 3000 }]],
    [[0, "8000-8001"], [{ low: 0, high: 0 }, { low: 8000, high: 8001 }]],
  ];
  for (const [allowPorts, expected] of cases) {
    it(`${JSON.stringify(allowPorts)}`, () => assert.deepEqual(resolve({ entry: "server.js", allowPorts: allowPorts as string }).allowPorts, expected));
  }
});

describe("--user and --group", () => {
  const passwd = "www:x:33:33:www:/var/www:/usr/sbin/nologin\n";
  const identitySources = (lookups: string[] = []) => ({
    passwd: () => (lookups.push("passwd"), passwd),
    group: () => "www:x:33:\n",
    getent: () => null,
    uid: () => 0,
    gid: () => 0,
  });

  it("are looked up to the workers' uid/gid when the options are resolved", () => {
    assert.deepEqual(resolve({ entry: "server.js", user: "www" }, { identitySources: identitySources() }).workerIdentity, { uid: 33, gid: 33 });
  });

  it("an unknown user exits 2 naming where it was set", () => {
    assert.throws(
      () => resolve({ entry: "server.js" }, { env: { CORRAL_USER: "nosuchuser" }, identitySources: identitySources() }),
      corralError("CORRAL_ERR_BAD_OPTION", /^CORRAL_USER: "nosuchuser" is not valid; expected an existing user name/, 2),
    );
  });

  it("a reload with the same user keeps the running uid/gid without looking the user up again", () => {
    const current = resolve({ entry: "server.js", user: "www" }, { identitySources: identitySources() });
    const lookups: string[] = [];
    const again = resolve({ entry: "server.js", user: "www", workers: 2 }, { current, identitySources: identitySources(lookups) });
    assert.equal(again.workerIdentity, current.workerIdentity);
    assert.deepEqual(lookups, []);
    // A changed user or group is not looked up in the serving primary (getent may take seconds): the
    // reload refuses the change, naming it, as it refuses every option that needs a new primary.
    const changed = resolve({ entry: "server.js", user: "nosuchuser" }, { current, identitySources: identitySources(lookups) });
    assert.deepEqual(lookups, []);
    assert.deepEqual(optionChanges(current, changed).refused, ["user"]);
  });
});
