/**
 * `corral start <entry> [flags] [-- <node args> <app args>]`. Only the shape of
 * the command line is checked here (known flags, values present); values stay
 * strings and are validated in config/resolve.ts, whose errors name the flag.
 */
import { parseArgs } from "node:util";
import { CorralError, missingFlagValue, unknownFlag } from "../errors.js";
import { DEFAULTS, FLOORS } from "../config/defaults.js";
import { type OptionKey, type OptionLayer, type OptionSources, type RawOptions } from "../config/keys.js";
import { formatDuration } from "../config/values.js";
import { nodeOptionTakesValue } from "./node-options.js";

export interface StartArgs {
  /** The positional entry (also in flags.options.entry); absent when a config file names it. */
  readonly entry?: string;
  readonly flags: OptionLayer;
  readonly configPath?: string;
  /** --env NAME: a PM2 ecosystem file's env_NAME. */
  readonly environment?: string;
  readonly help: boolean;
}

interface FlagSpec {
  /** The option a value flag sets, or the fixed value a switch sets. */
  readonly key: OptionKey | "config" | "help" | "environment";
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** A value for the "needs a value" message. */
  readonly example?: string;
  /** For switches that set something other than `true` (--no-prefix sets logFormat "raw"). */
  readonly sets?: string;
  /** Given again, adds a value (like node's --env-file) instead of replacing it. */
  readonly repeatable?: true;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  workers: { key: "workers", type: "string", short: "w", example: "4" },
  balance: { key: "balance", type: "string", example: "least-connections" },
  name: { key: "name", type: "string", example: "api" },
  admin: { key: "admin", type: "string", example: "127.0.0.1:9000" },
  "admin-token": { key: "adminToken", type: "string", example: "$(openssl rand -hex 16)" },
  "wait-ready": { key: "waitReady", type: "boolean" },
  "listen-timeout": { key: "listenTimeout", type: "string", example: "8s" },
  "kill-timeout": { key: "killTimeout", type: "string", example: "10s" },
  "hang-timeout": { key: "hangTimeout", type: "string", example: "10s" },
  "heartbeat-interval": { key: "heartbeatInterval", type: "string", example: "1s" },
  "max-memory": { key: "maxMemory", type: "string", example: "512M" },
  "max-restarts": { key: "maxRestarts", type: "string", example: "10" },
  "unhealthy-after": { key: "unhealthyAfter", type: "string", example: "3" },
  "min-uptime": { key: "minUptime", type: "string", example: "5s" },
  "reload-parallel": { key: "reloadParallel", type: "string", example: "1" },
  "max-requests": { key: "maxRequests", type: "string", example: "10000" },
  "max-requests-jitter": { key: "maxRequestsJitter", type: "string", example: "1000" },
  "max-age": { key: "maxAge", type: "string", example: "6h" },
  "restart-cron": { key: "restartCron", type: "string", example: "\"0 3 * * *\"" },
  "instance-var": { key: "instanceVar", type: "string", example: "NODE_APP_INSTANCE" },
  "no-listen": { key: "noListen", type: "boolean" },
  "max-queue": { key: "maxQueue", type: "string", example: "1024" },
  "queue-timeout": { key: "queueTimeout", type: "string", example: "10s" },
  "shutdown-delay": { key: "shutdownDelay", type: "string", example: "5s" },
  "log-format": { key: "logFormat", type: "string", example: "json" },
  "no-prefix": { key: "logFormat", type: "boolean", sets: "raw" },
  "json-logs": { key: "logFormat", type: "boolean", sets: "json" },
  "log-file": { key: "logFile", type: "string", example: "/var/log/api/out.log" },
  "error-file": { key: "errorFile", type: "string", example: "/var/log/api/error.log" },
  timestamps: { key: "timestamps", type: "boolean" },
  "log-buffer": { key: "logBuffer", type: "string", example: "4M" },
  user: { key: "user", type: "string", example: "www-data" },
  group: { key: "group", type: "string", example: "www-data" },
  "allow-ports": { key: "allowPorts", type: "string", example: "80,443,3000-3010" },
  watch: { key: "watch", type: "boolean" },
  "env-file": { key: "envFile", type: "string", example: ".env", repeatable: true },
  config: { key: "config", type: "string", example: "corral.config.json" },
  env: { key: "environment", type: "string", example: "production" },
  help: { key: "help", type: "boolean", short: "h" },
};

const PARSE_OPTIONS = Object.fromEntries(
  Object.entries(FLAGS).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
) as Record<string, { type: "string" | "boolean"; short?: string }>;

/** A value that is a negative number ("-1" for --workers) is a value, not the next flag. */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/**
 * parseArgs runs non-strict and the tokens are checked here, because strict mode
 * rejects `--workers -1` (a value starting with "-") and its messages cannot name
 * our help command. The result is as strict: unknown flags and missing values fail.
 */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const separator = argv.indexOf("--");
  const head = separator === -1 ? [...argv] : argv.slice(0, separator);
  const tail = separator === -1 ? [] : argv.slice(separator + 1);
  if (head.includes("--help") || head.includes("-h")) return { flags: { options: {}, sources: {} }, help: true };

  const { tokens } = parseArgs({ args: head, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const options: RawOptions = {};
  const sources: OptionSources = {};
  let entry: string | undefined;
  let configPath: string | undefined;
  let environment: string | undefined;
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (entry !== undefined) {
        throw new CorralError(
          "CORRAL_ERR_BAD_OPTION",
          `unexpected argument "${token.value}"; arguments for the app go after --, as in corral start ${entry} -- ${token.value}`,
        );
      }
      entry = token.value;
      continue;
    }
    if (token.kind !== "option") continue;
    // Own keys only: "--constructor=x" must be an unknown flag, not Object.prototype.constructor.
    const spec = Object.hasOwn(FLAGS, token.name) ? FLAGS[token.name] : undefined;
    if (spec === undefined) throw unknownFlag(token.rawName, "start", Object.keys(FLAGS));
    const flag = `--${token.name}`;
    let value: string | boolean;
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw new CorralError("CORRAL_ERR_BAD_OPTION", `${flag} takes no value; write ${flag} alone`);
      }
      value = spec.sets ?? true;
    } else {
      const given = token.value;
      if (given === undefined || given === "" || (given.startsWith("-") && !token.inlineValue && !NEGATIVE_NUMBER.test(given))) {
        throw missingFlagValue(flag, spec.example ?? "VALUE");
      }
      value = given;
    }
    // A repeated flag, or --log-format after --json-logs, is "last one wins", as with most CLIs.
    if (spec.key === "config") configPath = value as string;
    else if (spec.key === "environment") environment = value as string;
    else if (spec.key === "help") continue;
    else if (spec.repeatable) {
      options[spec.key] = [...((options[spec.key] as string[] | undefined) ?? []), value as string];
      sources[spec.key] = flag;
    } else {
      options[spec.key] = value;
      sources[spec.key] = flag;
    }
  }
  if (entry !== undefined) {
    options.entry = entry;
    sources.entry = "entry";
  }
  Object.assign(options, splitPassThrough(tail));
  return { entry, flags: { options, sources }, configPath, environment, help: false };
}

/**
 * After `--`: leading arguments that start with "-" go to node (--inspect,
 * --max-old-space-size=512), up to the first one that does not, or a second
 * `--`; the rest go to the app. A node option that takes a value may have it as
 * the next word, as node's own options do (`--require ./tracing.js`, `-r x`):
 * a long one is joined (`--max-old-space-size 512` → `--max-old-space-size=512`,
 * the only spelling V8's options accept). `-- -- --port 3000` passes "--port 3000"
 * to the app with no node args.
 */
export function splitPassThrough(
  tail: readonly string[],
  takesValue: (flag: string) => boolean = nodeOptionTakesValue,
): { nodeArgs?: string[]; args?: string[] } {
  const nodeArgs: string[] = [];
  let index = 0;
  while (index < tail.length && tail[index]!.startsWith("-") && tail[index] !== "--") {
    const flag = tail[index]!;
    const next = tail[index + 1];
    // Only a word that would otherwise start the app's arguments can be the value (and only then is node asked).
    if (next !== undefined && !next.startsWith("-") && !flag.includes("=") && takesValue(flag)) {
      nodeArgs.push(...(flag.startsWith("--") ? [`${flag}=${next}`] : [flag, next]));
      index += 2;
    } else {
      nodeArgs.push(flag);
      index += 1;
    }
  }
  const args = tail.slice(tail[index] === "--" ? index + 1 : index);
  return { ...(nodeArgs.length > 0 ? { nodeArgs } : {}), ...(args.length > 0 ? { args } : {}) };
}

const ms = formatDuration;

export const START_HELP = `Usage: corral start <entry> [options] [-- <node args> <app args>]

Runs <entry> on every usable CPU core and keeps it up. Options also come from
corral.config.{ts,mjs,js,json} and CORRAL_* env (e.g. CORRAL_KILL_TIMEOUT=30s);
flags win over the file, the file over env.
Durations: 500ms, 10s, 2m, 6h (bare numbers are ms). Sizes: 512K, 512M, 1G.

Options:                                                   (default)
  -w, --workers N|max|-1   worker count; max = usable CPUs (cgroup quota aware),
                           -1 = one less                     (max)
  --balance STRATEGY       round-robin | least-connections | ip-hash | os
                                                             (${DEFAULTS.balance})
  --name NAME              name for corral status/reload/stop (entry base name)
  --admin [HOST:]PORT      admin HTTP: dashboard, /metrics   (off)
                           HOST defaults to ${DEFAULTS.adminHost}
  --admin-token TOKEN      Bearer token (16+ chars); needed to bind a
                           non-loopback host
  --wait-ready             ready on worker.ready(), not on listen (off)
  --no-listen              the app serves nothing (a queue consumer):
                           ready once started (off)
  --listen-timeout D       time allowed to become ready,
                           >= ${ms(FLOORS.listenTimeoutMs)}                             (${ms(DEFAULTS.listenTimeoutMs)})
  --kill-timeout D         drain time before SIGKILL, >= ${ms(FLOORS.killTimeoutMs)}  (${ms(DEFAULTS.killTimeoutMs)})
  --hang-timeout D         no heartbeat this long = hung,
                           >= ${ms(FLOORS.hangTimeoutMs)} and ${FLOORS.hangTimeoutBeats} heartbeat intervals   (${ms(DEFAULTS.hangTimeoutMs)})
  --heartbeat-interval D   how often workers report health,
                           >= ${ms(FLOORS.heartbeatIntervalMs)}                          (${ms(DEFAULTS.heartbeatIntervalMs)})
  --max-memory SIZE        reload a worker above this RSS,
                           at least 64M                      (no limit)
  --max-restarts N         crashes before a slot gives up    (${DEFAULTS.maxRestarts})
  --unhealthy-after N      failed worker.healthCheck() runs in a row
                           before the worker is replaced     (${DEFAULTS.unhealthyAfter})
  --min-uptime D           uptime that resets the crash count,
                           >= ${ms(FLOORS.minUptimeMs)}                          (${ms(DEFAULTS.minUptimeMs)})
  --reload-parallel N      workers replaced at once on reload (${DEFAULTS.reloadParallel})
  --max-requests N         replace a worker (gracefully) after N requests (off)
  --max-requests-jitter N  plus 0..N at random per worker    (0)
  --max-age D              replace a worker (gracefully) this old,
                           plus up to 10 % at random, >= 1s  (off)
  --restart-cron EXPR      rolling reload at these times: "0 3 * * *"
                           (5 fields, or 6 with seconds first) (off)
  --instance-var NAME      variable with the worker's 0-based slot
                           number (PM2's)                    (${DEFAULTS.instanceVar})
  --max-queue N            connections held with no worker ready (${DEFAULTS.maxQueue})
  --queue-timeout D        longest a held connection waits,
                           >= ${ms(FLOORS.queueTimeoutMs)}                          (${ms(DEFAULTS.queueTimeoutMs)})
  --shutdown-delay D       on SIGTERM, serve this long with /readyz
                           at 503 before draining            (${ms(DEFAULTS.shutdownDelayMs)})
  --log-format FORMAT      prefix | raw | json               (${DEFAULTS.logFormat})
  --no-prefix              same as --log-format raw
  --json-logs              same as --log-format json
  --timestamps             ISO-8601 time before each prefix line (off)
  --log-file PATH          also append all worker output to PATH; %n name,
                           %w worker id, %p pid (one file per worker)
  --error-file PATH        worker stderr to PATH instead of --log-file
  --log-buffer SIZE        output held per destination (stdout, stderr, each
                           file) before lines are dropped     (${DEFAULTS.logBufferBytes / 1024 / 1024}M)
  --user USER              run workers as USER (the primary must be root)
  --group GROUP            run workers as GROUP
  --allow-ports LIST       TCP ports workers may listen on, like
                           80,443,3000-3010                  (any)
  --watch                  reload when the app's files change (off)
  --env-file PATH          variables for the workers, in node --env-file's
                           format; repeatable, a later file wins; read
                           again by corral reload. Corral's own environment
                           wins over a file, the config's env over both
  --config FILE            config file                       (./corral.config.*)
  --env NAME               with a PM2 ecosystem file as <entry>
                           (ecosystem.config.js, .cjs, .json): its env_NAME
  -h, --help               show this help

After --, leading arguments starting with "-" go to node, with the value of a
node option that takes one (--max-old-space-size 512 or =512); everything from
the first other argument, or after a second --, goes to the app:
  corral start server.js -w 4 -- --max-old-space-size 512 serve --verbose
  corral start server.js -- --inspect -- --port 3000
`;
