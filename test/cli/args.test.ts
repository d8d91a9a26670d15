import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStartArgs, splitPassThrough, START_HELP } from "../../src/cli/args.js";
import { CorralError } from "../../src/errors.js";
import { FLOORS } from "../../src/config/defaults.js";
import { formatDuration } from "../../src/config/values.js";

describe("parseStartArgs", () => {
  const cases: Array<{ argv: string[]; options: Record<string, unknown>; sources?: Record<string, string> }> = [
    { argv: ["server.js"], options: { entry: "server.js" }, sources: { entry: "entry" } },
    { argv: ["server.js", "--workers", "4"], options: { entry: "server.js", workers: "4" }, sources: { entry: "entry", workers: "--workers" } },
    { argv: ["server.js", "-w", "-1"], options: { entry: "server.js", workers: "-1" } },
    { argv: ["server.js", "--workers=max"], options: { entry: "server.js", workers: "max" } },
    { argv: ["-w4", "server.js"], options: { entry: "server.js", workers: "4" } },
    {
      argv: ["app.js", "--balance", "ip-hash", "--name", "api", "--admin", "127.0.0.1:9000", "--admin-token", "t0k"],
      options: { entry: "app.js", balance: "ip-hash", name: "api", admin: "127.0.0.1:9000", adminToken: "t0k" },
    },
    {
      argv: ["app.js", "--listen-timeout", "8s", "--kill-timeout", "10s", "--hang-timeout", "10s", "--heartbeat-interval", "500ms"],
      options: { entry: "app.js", listenTimeout: "8s", killTimeout: "10s", hangTimeout: "10s", heartbeatInterval: "500ms" },
    },
    {
      argv: ["app.js", "--max-memory", "512M", "--max-restarts", "3", "--min-uptime", "5s", "--reload-parallel", "2"],
      options: { entry: "app.js", maxMemory: "512M", maxRestarts: "3", minUptime: "5s", reloadParallel: "2" },
    },
    {
      argv: ["app.js", "--max-queue", "100", "--queue-timeout", "2s", "--user", "www", "--group", "web"],
      options: { entry: "app.js", maxQueue: "100", queueTimeout: "2s", user: "www", group: "web" },
    },
    { argv: ["app.js", "--wait-ready", "--watch"], options: { entry: "app.js", waitReady: true, watch: true } },
    { argv: ["app.js", "--no-prefix"], options: { entry: "app.js", logFormat: "raw" }, sources: { entry: "entry", logFormat: "--no-prefix" } },
    { argv: ["app.js", "--json-logs"], options: { entry: "app.js", logFormat: "json" } },
    { argv: ["app.js", "--json-logs", "--log-format", "prefix"], options: { entry: "app.js", logFormat: "prefix" } },
    { argv: ["app.js", "--workers", "2", "--workers", "3"], options: { entry: "app.js", workers: "3" } },
    { argv: ["--name", "api"], options: { name: "api" } },
    {
      argv: ["app.js", "--", "--inspect", "--max-old-space-size=512", "serve", "--port", "3000"],
      options: { entry: "app.js", nodeArgs: ["--inspect", "--max-old-space-size=512"], args: ["serve", "--port", "3000"] },
    },
    { argv: ["app.js", "--", "serve", "-v"], options: { entry: "app.js", args: ["serve", "-v"] } },
    { argv: ["app.js", "--", "--inspect", "--", "--port", "3000"], options: { entry: "app.js", nodeArgs: ["--inspect"], args: ["--port", "3000"] } },
    { argv: ["app.js", "--"], options: { entry: "app.js" } },
  ];
  for (const { argv, options, sources } of cases) {
    it(argv.join(" "), () => {
      const parsed = parseStartArgs(argv);
      assert.equal(parsed.help, false);
      assert.deepEqual(parsed.flags.options, options);
      assert.equal(parsed.entry, options.entry);
      if (sources) assert.deepEqual(parsed.flags.sources, sources);
    });
  }

  it("--env-file is repeatable, like node's: each one adds a file, in order", () => {
    const { flags } = parseStartArgs(["app.js", "--env-file", ".env", "--env-file=.env.local", "-w", "2"]);
    assert.deepEqual(flags.options.envFile, [".env", ".env.local"]);
    assert.equal(flags.sources.envFile, "--env-file");
  });

  it("--config is returned apart from the options", () => {
    const parsed = parseStartArgs(["--config", "deploy/corral.config.json", "app.js"]);
    assert.equal(parsed.configPath, "deploy/corral.config.json");
    assert.deepEqual(parsed.flags.options, { entry: "app.js" });
  });

  for (const argv of [["--help"], ["-h"], ["app.js", "--bogus", "-h"]]) {
    it(`${argv.join(" ")} asks for help, even beside a bad flag`, () => assert.equal(parseStartArgs(argv).help, true));
  }

  it("-h after -- belongs to the app", () => {
    const parsed = parseStartArgs(["app.js", "--", "serve", "-h"]);
    assert.equal(parsed.help, false);
    assert.deepEqual(parsed.flags.options.args, ["serve", "-h"]);
  });

  const errors: Array<[string[], string]> = [
    [["app.js", "--foo"], "unknown option --foo; run corral start --help"],
    [["app.js", "-x"], "unknown option -x; run corral start --help"],
    [["app.js", "--worker", "2"], "unknown option --worker (did you mean --workers?); run corral start --help"],
    [["app.js", "--workers"], "--workers needs a value, e.g. --workers 4"],
    [["app.js", "--kill-timeout", "--watch"], "--kill-timeout needs a value, e.g. --kill-timeout 10s"],
    [["app.js", "--name="], "--name needs a value, e.g. --name api"],
    [["app.js", "--max-memory", "--", "--inspect"], "--max-memory needs a value, e.g. --max-memory 512M"],
    [["app.js", "--watch=yes"], "--watch takes no value; write --watch alone"],
    [["app.js", "other.js"], 'unexpected argument "other.js"; arguments for the app go after --, as in corral start app.js -- other.js'],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${argv.join(" ")}`, () => {
      assert.throws(
        () => parseStartArgs(argv),
        (error: unknown) => error instanceof CorralError && error.code === "CORRAL_ERR_BAD_OPTION" && error.exitCode === 2 && error.message === message,
      );
    });
  }
});

describe("splitPassThrough", () => {
  const cases: Array<[string[], { nodeArgs?: string[]; args?: string[] }]> = [
    [[], {}],
    [["--inspect"], { nodeArgs: ["--inspect"] }],
    [["a", "--b"], { args: ["a", "--b"] }],
    [["--", "--port"], { args: ["--port"] }],
    [["-r=x", "--", "a", "--", "b"], { nodeArgs: ["-r=x"], args: ["a", "--", "b"] }],
    // A value option's value may be the next word, as node allows: long ones are joined (V8 wants "=").
    [["--max-old-space-size", "512", "serve", "--verbose"], { nodeArgs: ["--max-old-space-size=512"], args: ["serve", "--verbose"] }],
    [["--max_old_space_size", "64", "serve"], { nodeArgs: ["--max_old_space_size=64"], args: ["serve"] }],
    [["-r", "./tracing.js", "--title", "api", "serve"], { nodeArgs: ["-r", "./tracing.js", "--title=api"], args: ["serve"] }],
    [["--inspect", "serve"], { nodeArgs: ["--inspect"], args: ["serve"] }],
    [["--expose-gc", "serve"], { nodeArgs: ["--expose-gc"], args: ["serve"] }],
    [["--stack-size=500", "serve"], { nodeArgs: ["--stack-size=500"], args: ["serve"] }],
  ];
  for (const [tail, expected] of cases) {
    it(JSON.stringify(tail), () => assert.deepEqual(splitPassThrough(tail), expected));
  }
});

describe("START_HELP", () => {
  const flags = [
    "--workers", "-w", "--balance", "--name", "--admin", "--admin-token", "--wait-ready", "--listen-timeout",
    "--kill-timeout", "--hang-timeout", "--heartbeat-interval", "--max-memory", "--max-restarts", "--min-uptime",
    "--reload-parallel", "--max-queue", "--queue-timeout", "--log-format", "--no-prefix", "--json-logs", "--user",
    "--group", "--watch", "--config", "--help",
  ];
  for (const flag of flags) {
    it(`documents ${flag}`, () => assert.match(START_HELP, new RegExp(`(^|[\\s,])${flag}[\\s=,]`, "m")));
  }
  it("shows the defaults", () => {
    for (const fragment of ["(round-robin)", "(8s)", "(10s)", "(1s)", "(5s)", "(10)", "(1024)", "(prefix)", "(no limit)"]) {
      assert.ok(START_HELP.includes(fragment), `missing ${fragment}`);
    }
  });
  it("names each floor resolve.ts enforces beside its flag", () => {
    const floors: Array<[string, number]> = [
      ["--listen-timeout", FLOORS.listenTimeoutMs], ["--kill-timeout", FLOORS.killTimeoutMs], ["--hang-timeout", FLOORS.hangTimeoutMs],
      ["--heartbeat-interval", FLOORS.heartbeatIntervalMs], ["--min-uptime", FLOORS.minUptimeMs], ["--queue-timeout", FLOORS.queueTimeoutMs],
    ];
    for (const [flag, floorMs] of floors) {
      const block = START_HELP.split(/\n(?=  -)/).find((entry) => entry.trimStart().startsWith(`${flag} `));
      assert.ok(block?.includes(`>= ${formatDuration(floorMs)}`), `${flag} does not say >= ${formatDuration(floorMs)}:\n${block}`);
    }
  });
  it("fits an 80-column terminal", () => {
    const long = START_HELP.split("\n").filter((line) => line.length > 80);
    assert.deepEqual(long, []);
  });
});
