/**
 * The edge: options from wherever they came (new Corral(), flags, a config
 * file, CORRAL_* env) become one validated, frozen ResolvedOptions. The core
 * never sees "10s" or "512M", and every bad value is reported here, by the
 * name the user gave it, with what is allowed.
 */
import { statSync, type Stats } from "node:fs";
import path from "node:path";
import { CorralError, entryNotAFile, entryNotFound, missingEntry, reusePortUnsupported, unknownOption } from "../errors.js";
import { isLoopbackHost, parseAdmin } from "./admin.js";
import { resolveWorkerCount, usableCpus } from "./cpus.js";
import { DEFAULTS, FLOORS } from "./defaults.js";
import { optionsFromEnv } from "./env.js";
import { readEnvFiles } from "./env-file.js";
import { OPTION_KEYS, isOptionKey, sourceName, type OptionKey } from "./keys.js";
import type { OptionLayer, OptionSources, RawOptions } from "./keys.js";
import { mergeSources } from "./merge.js";
import { parseCron } from "./cron.js";
import { displayName } from "./file.js";
import { resolveWorkerIdentity, type IdentitySources, type WorkerIdentity } from "./identity.js";
import { parsePortList } from "./ports.js";
import { reusePortUnavailable } from "./reuse-port-support.js";
import { BALANCE_STRATEGIES, LOG_FORMATS, type ResolvedOptions } from "./types.js";
import * as parse from "./values.js";

export interface ResolveContext {
  /** Base for a relative `cwd` option; also the default `cwd`. Default: process.cwd(). */
  cwd?: string;
  /** CORRAL_* variables are read from here, below `input` in precedence. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** What to call each input value in errors (e.g. "--workers"); default: the flag name. */
  sources?: OptionSources;
  /** Usable CPUs, for tests; default: usableCpus(). */
  usableCpus?: number;
  /** Node version and platform that will run the workers, for tests; default: this process's. */
  nodeVersion?: string;
  platform?: string;
  /**
   * The options in force, when a reload reads the configuration again: with the same --user and
   * --group their uid/gid are kept, so a serving primary does not look the user up again (getent
   * runs synchronously and may take seconds with LDAP).
   */
  current?: ResolvedOptions;
  /** Where --user and --group are looked up, for tests; default: /etc/passwd, /etc/group, getent. */
  identitySources?: IdentitySources;
}

/** Control socket file names and metrics labels use the name, so it stays filename- and label-safe. */
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const NAME_RULE = { pattern: NAME_PATTERN, allowed: "1 to 64 letters, digits, dots, underscores or dashes" };

/** A supervisor NAME given on the command line (status, reload, scale, stop, top, systemd). */
export function checkName(name: string): string {
  return parse.parseString("NAME", name, NAME_RULE);
}
/** A log file path: % is only for the placeholders expandLogPath knows. */
const LOG_PATH_RULE = {
  pattern: /^(?:[^%]|%[nwp%])+$/,
  allowed: "a file path, where %n (name), %w (worker id), %p (pid) and %% are the only % sequences",
};
const MIN_LOG_BUFFER = 64 * 1024;
const ENV_NAME_RULE = { pattern: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/, allowed: "an environment variable name (letters, digits, underscores), like NODE_APP_INSTANCE" };
/** 16 characters of printable ASCII: `openssl rand -hex 16` gives 32. */
const TOKEN_RULE = {
  pattern: /^[\x21-\x7e]+$/,
  minLength: 16,
  allowed: "a token of at least 16 printable ASCII characters without spaces, e.g. $(openssl rand -hex 16)",
};

/**
 * Options this module produced. A brand the type system cannot forge: an object that merely has the
 * same keys (say, `listenTimeoutMs`) is still plain input and gets validated.
 */
const resolvedObjects = new WeakSet<object>();

/** True for options that came out of resolveOptions() (frozen, so still exactly as validated). */
export function isResolvedOptions(options: unknown): options is ResolvedOptions {
  return typeof options === "object" && options !== null && resolvedObjects.has(options);
}

/**
 * `input` is either plain options (new Corral({...}): errors name them by flag)
 * or an OptionLayer from mergeSources, whose sources name each value's origin.
 */
export function resolveOptions(input: RawOptions | OptionLayer, context: ResolveContext = {}): ResolvedOptions {
  const layer = isOptionLayer(input) ? input : { options: input, sources: context.sources ?? {} };
  if (typeof layer.options !== "object" || layer.options === null || Array.isArray(layer.options)) {
    throw parse.invalid("corral options", layer.options, "an object with at least { entry }");
  }
  for (const key of Object.keys(layer.options)) {
    if (!isOptionKey(key)) throw unknownOption("corral options", key, OPTION_KEYS);
  }
  const shellEnv = context.env ?? process.env;
  const env = optionsFromEnv(shellEnv);
  const merged = mergeSources(layer, null, env);
  const values = merged.options;
  const from = (key: OptionKey) => sourceName(merged.sources, key);
  const given = (key: OptionKey): boolean => values[key] !== undefined;
  const duration = (key: OptionKey, fallback: number, min = 0) =>
    given(key) ? parse.parseDuration(from(key), values[key], { min }) : fallback;
  const integer = (key: OptionKey, fallback: number, min: number, max: number) =>
    given(key) ? parse.parseInteger(from(key), values[key], { min, max }) : fallback;
  const boolean = (key: OptionKey, fallback: boolean) => (given(key) ? parse.parseBoolean(from(key), values[key]) : fallback);
  const text = (key: OptionKey, rule?: { pattern: RegExp; allowed: string }) =>
    given(key) ? parse.parseString(from(key), values[key], rule) : null;

  const baseCwd = context.cwd ?? process.cwd();
  const cwd = given("cwd") ? path.resolve(baseCwd, parse.parseString(from("cwd"), values.cwd)) : baseCwd;
  if (!statOrNull(cwd)?.isDirectory()) throw parse.invalid(from("cwd"), values.cwd ?? cwd, "an existing directory");

  if (!given("entry")) throw missingEntry();
  const entry = path.resolve(cwd, parse.parseString(from("entry"), values.entry));
  const entryStats = statOrNull(entry);
  if (entryStats === null) throw entryNotFound(entry);
  if (!entryStats.isFile()) throw entryNotAFile(entry);

  const balance = given("balance") ? parse.parseEnum(from("balance"), values.balance, BALANCE_STRATEGIES) : DEFAULTS.balance;
  const user = text("user");
  if (balance === "os" && user !== null) {
    // Linux groups SO_REUSEPORT sockets by effective uid: workers running as another user than
    // the primary (which holds the port) cannot bind it, and would crash-loop on EADDRINUSE.
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `${from("balance")} os cannot be combined with ${from("user")}: the kernel shares an SO_REUSEPORT port only between sockets of the same user, and the primary holds the port as root; use another --balance strategy with --user`);
  }

  if (balance === "os") {
    const reason = reusePortUnavailable(context.nodeVersion, context.platform);
    if (reason !== null) throw reusePortUnsupported(from("balance"), reason);
  }

  const adminToken = given("adminToken") ? parse.parseSecret(from("adminToken"), values.adminToken, TOKEN_RULE) : null;
  const admin = parseAdmin(from("admin"), values.admin);
  if (adminToken !== null && admin === null) {
    // Silently ignored, it would leave someone believing a server is protected that does not run.
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `${from("adminToken")} is set but ${from("admin")} is not: the token only protects the admin server; add ${from("admin")} [HOST:]PORT or remove the token`);
  }
  if (admin !== null && !isLoopbackHost(admin.host) && adminToken === null) {
    throw parse.invalid(from("admin"), values.admin, "a loopback address, or set --admin-token to bind elsewhere");
  }

  const heartbeatIntervalMs = duration("heartbeatInterval", DEFAULTS.heartbeatIntervalMs, FLOORS.heartbeatIntervalMs);
  const hangTimeoutMs = duration("hangTimeout", DEFAULTS.hangTimeoutMs, FLOORS.hangTimeoutMs);
  // A worker is hung when heartbeats stop for hangTimeout; within a couple of intervals every late beat looks hung.
  // Blame the option the user set: hangTimeout if given, else the heartbeatInterval that outgrew the default.
  if (hangTimeoutMs < heartbeatIntervalMs * FLOORS.hangTimeoutBeats) {
    const beats = FLOORS.hangTimeoutBeats;
    const heartbeat = parse.formatDuration(heartbeatIntervalMs);
    const hang = parse.formatDuration(hangTimeoutMs);
    throw given("hangTimeout")
      ? parse.invalid(from("hangTimeout"), values.hangTimeout, `a duration of at least ${beats} heartbeat intervals (${beats} × ${heartbeat}): ${parse.formatDuration(heartbeatIntervalMs * beats)} or more`)
      : parse.invalid(from("heartbeatInterval"), values.heartbeatInterval, `a duration of at most 1/${beats} of the hang timeout (${hang}): ${parse.formatDuration(Math.floor(hangTimeoutMs / beats))} or less`);
  }

  const envFiles = given("envFile") ? pathList(from("envFile"), values.envFile).map((file) => path.resolve(baseCwd, file)) : [];

  const logPath = (key: "logFile" | "errorFile") => {
    const template = text(key, LOG_PATH_RULE);
    return template === null ? null : path.resolve(cwd, template);
  };
  const logBufferBytes = given("logBuffer") ? parse.parseSize(from("logBuffer"), values.logBuffer) : DEFAULTS.logBufferBytes;
  if (logBufferBytes < MIN_LOG_BUFFER) throw parse.invalid(from("logBuffer"), values.logBuffer, "a size of at least 64K, like 4M");

  const resolved: ResolvedOptions = Object.freeze({
    entry,
    workers: resolveWorkerCount(values.workers, context.usableCpus ?? usableCpus, from("workers")),
    balance,
    name: given("name") ? parse.parseString(from("name"), values.name, NAME_RULE) : defaultName(entry),
    admin,
    adminToken,
    waitReady: boolean("waitReady", DEFAULTS.waitReady),
    listenTimeoutMs: duration("listenTimeout", DEFAULTS.listenTimeoutMs, FLOORS.listenTimeoutMs),
    killTimeoutMs: duration("killTimeout", DEFAULTS.killTimeoutMs, FLOORS.killTimeoutMs),
    hangTimeoutMs,
    maxMemoryBytes: given("maxMemory")
      ? parse.parseSize(from("maxMemory"), values.maxMemory, { min: FLOORS.maxMemoryBytes, why: "a fresh worker uses ~50 MB; leave it out for no limit" })
      : DEFAULTS.maxMemoryBytes,
    maxRestarts: integer("maxRestarts", DEFAULTS.maxRestarts, 0, 1_000_000),
    unhealthyAfter: integer("unhealthyAfter", DEFAULTS.unhealthyAfter, 1, 1_000_000),
    minUptimeMs: duration("minUptime", DEFAULTS.minUptimeMs, FLOORS.minUptimeMs),
    reloadParallel: integer("reloadParallel", DEFAULTS.reloadParallel, 1, 1024),
    user,
    group: text("group"),
    allowPorts: given("allowPorts") ? parsePortList(from("allowPorts"), values.allowPorts) : null,
    sources: Object.freeze({ ...merged.sources }),
    watch: boolean("watch", DEFAULTS.watch),
    nodeArgs: Object.freeze(given("nodeArgs") ? parse.parseStringList(from("nodeArgs"), values.nodeArgs) : []),
    args: Object.freeze(given("args") ? parse.parseStringList(from("args"), values.args) : []),
    env: Object.freeze(given("env") ? parse.parseStringMap(from("env"), values.env) : {}),
    envFiles: Object.freeze(envFiles),
    fileEnv: Object.freeze(fileEnv(envFiles, from("envFile"), shellEnv, baseCwd)),
    cwd,
    logFormat: given("logFormat") ? parse.parseEnum(from("logFormat"), values.logFormat, LOG_FORMATS) : DEFAULTS.logFormat,
    logFile: logPath("logFile"),
    errorFile: logPath("errorFile"),
    timestamps: boolean("timestamps", DEFAULTS.timestamps),
    logBufferBytes,
    maxQueue: integer("maxQueue", DEFAULTS.maxQueue, 0, 1_000_000),
    queueTimeoutMs: duration("queueTimeout", DEFAULTS.queueTimeoutMs, FLOORS.queueTimeoutMs),
    shutdownDelayMs: duration("shutdownDelay", DEFAULTS.shutdownDelayMs),
    heartbeatIntervalMs,
    maxRequests: integer("maxRequests", 0, 0, 1_000_000_000),
    maxRequestsJitter: integer("maxRequestsJitter", 0, 0, 1_000_000_000),
    maxAgeMs: duration("maxAge", 0, 1_000),
    restartCron: given("restartCron") ? parseCron(from("restartCron"), values.restartCron) : null,
    instanceVar: text("instanceVar", ENV_NAME_RULE) ?? DEFAULTS.instanceVar,
    noListen: boolean("noListen", false),
    // Last, so a bad value elsewhere is reported first (as when the lookup happened in new Corral()).
    workerIdentity: workerIdentity(user, text("group"), context, from),
  });
  resolvedObjects.add(resolved);
  return resolved;
}

/** A path, or a list of them (--env-file is repeatable). */
function pathList(option: string, value: unknown): string[] {
  const list = typeof value === "string" ? [value] : parse.parseStringList(option, value);
  if (list.length === 0 || list.some((item) => item === "")) throw parse.invalid(option, value, "a file path or a list of them, like .env");
  return list;
}

/**
 * The env files' variables the workers get. As with node --env-file and dotenv, a variable already in
 * corral's own environment keeps that value; `env` (config, ecosystem env_NAME) wins over both (spawn.ts).
 */
function fileEnv(files: readonly string[], option: string, shellEnv: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const vars = readEnvFiles(files, option, (file) => displayName(file, cwd));
  for (const name of Object.keys(vars)) if (shellEnv[name] !== undefined) delete vars[name];
  return vars;
}

/**
 * --user/--group as numbers, looked up now so an unknown user exits 2 before anything is opened.
 * A reload (`current` set) keeps the running uid/gid and looks nothing up: the lookup may run getent
 * synchronously for seconds inside the serving primary, and a changed user or group is refused by
 * config/reconfigure.ts anyway (the workers' identity needs a new primary).
 */
function workerIdentity(user: string | null, group: string | null, context: ResolveContext, from: (key: OptionKey) => string): WorkerIdentity {
  const { current } = context;
  if (current !== undefined) return current.workerIdentity;
  const names = { user: from("user"), group: from("group") };
  return Object.freeze(resolveWorkerIdentity(user, group, context.identitySources, names));
}

/** "src/my server.js" → "my-server": the base name without extension, made to fit NAME_PATTERN. */
export function defaultName(entry: string): string {
  const base = path.basename(entry, path.extname(entry)).replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 64);
  return base === "" ? "app" : base;
}

/** "options" and "sources" are not option names, so a layer cannot be mistaken for plain options. */
function isOptionLayer(input: unknown): input is OptionLayer {
  if (typeof input !== "object" || input === null) return false;
  const keys = Object.keys(input);
  return keys.length === 2 && keys.includes("options") && keys.includes("sources");
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
