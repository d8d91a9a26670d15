/**
 * PM2's ecosystem files (ecosystem.config.js / .cjs / .mjs / .json: `{ apps: [...] }`)
 * translated into corral's option layers, each key with PM2's meaning. Values are
 * checked in resolve.ts like every other option; their source names the file, the
 * app and PM2's key ("ecosystem.config.js: app \"api\": kill_timeout"), so a bad
 * value exits 2 saying where it is. Keys corral does not support are collected, to
 * be named in one warning at start — never silently ignored.
 */
import path from "node:path";
import { badConfig } from "../errors.js";
import type { OptionKey, OptionLayer, OptionSources, RawOptions } from "./keys.js";

/**
 * `corral start X`: X is an ecosystem file rather than the app's entry — PM2's own rule (a .json, or a
 * .config.js/.cjs/.mjs), so an app's entry is never loaded into the primary by mistake.
 */
const ECOSYSTEM_FILE = /\.config\.(?:c?js|mjs)$|\.json$/;

export function isEcosystemFile(file: string): boolean {
  const base = path.basename(file);
  return ECOSYSTEM_FILE.test(base) && !base.startsWith("corral.config.");
}

export interface EcosystemApp {
  /** The app's name as the file gives it (PM2 requires one; else the script's base name). */
  readonly name: string;
  readonly layer: OptionLayer;
  /** PM2 keys this app sets that corral does not act on, with what to know about each. */
  readonly unsupported: readonly string[];
}

type Translate = (value: unknown) => unknown;
const same: Translate = (value) => value;

/** PM2's keys that corral acts on, the option each sets, and how the value changes (PM2's units are ms). */
const KEYS: Readonly<Record<string, { key: OptionKey; value?: Translate }>> = {
  name: { key: "name" },
  script: { key: "entry" },
  args: { key: "args", value: (v) => (typeof v === "string" ? splitWords(v) : v) },
  cwd: { key: "cwd" },
  // PM2: 0 and "max" are every CPU, -1 one less.
  instances: { key: "workers", value: (v) => (v === 0 || v === "0" ? "max" : v) },
  node_args: { key: "nodeArgs", value: (v) => (typeof v === "string" ? splitWords(v) : v) },
  interpreter_args: { key: "nodeArgs", value: (v) => (typeof v === "string" ? splitWords(v) : v) },
  max_memory_restart: { key: "maxMemory" },
  kill_timeout: { key: "killTimeout" },
  listen_timeout: { key: "listenTimeout" },
  wait_ready: { key: "waitReady" },
  min_uptime: { key: "minUptime" },
  max_restarts: { key: "maxRestarts" },
  // PM2 also takes a list of paths to watch; corral watches the entry's folder.
  watch: { key: "watch", value: (v) => (Array.isArray(v) || typeof v === "string" ? v.length > 0 : v) },
  out_file: { key: "logFile" },
  error_file: { key: "errorFile" },
  // corral's times are ISO-8601 (with ms); PM2's format string is not applied.
  log_date_format: { key: "timestamps", value: (v) => typeof v === "string" && v !== "" },
  cron_restart: { key: "restartCron" },
  instance_var: { key: "instanceVar" },
};

/** Keys read here besides KEYS: the environment (env, env_<name>), the mode, and PM2's defaults that match corral's. */
const HANDLED = new Set(["env", "exec_mode", "interpreter", "merge_logs", "combine_logs", "autorestart", "shutdown_with_message"]);

/** `{ apps: [...] }` (or a bare list) → one translated app per entry; `environment` is --env's name. */
export function ecosystemApps(value: unknown, shown: string, directory: string, environment: string | undefined): EcosystemApp[] {
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.apps) ? value.apps : null;
  if (list === null) throw badConfig(shown, "an ecosystem file must export { apps: [ { name, script, ... } ] }");
  if (list.length === 0) throw badConfig(shown, "lists no apps");
  return list.map((app, index) => {
    if (!isObject(app)) throw badConfig(shown, `apps[${index}] must be an object`);
    return translateApp(app, index, shown, directory, environment);
  });
}

function translateApp(app: Record<string, unknown>, index: number, shown: string, directory: string, environment: string | undefined): EcosystemApp {
  const name = typeof app.name === "string" && app.name !== "" ? app.name : typeof app.script === "string" ? path.basename(app.script, path.extname(app.script)) : `#${index + 1}`;
  const where = `${shown}: app "${name}"`;
  const options: RawOptions = {};
  const sources: OptionSources = {};
  const set = (key: OptionKey, value: unknown, pm2Key: string): void => {
    options[key] = value;
    sources[key] = `${where}: ${pm2Key}`;
  };
  const unsupported: string[] = [];
  for (const [pm2Key, value] of Object.entries(app)) {
    if (value === undefined) continue;
    const known = KEYS[pm2Key];
    if (known) set(known.key, (known.value ?? same)(value), pm2Key);
    else if (!HANDLED.has(pm2Key) && !/^env_/.test(pm2Key)) unsupported.push(pm2Key);
  }
  if (!("script" in app)) throw badConfig(shown, `app "${name}" has no "script" (the file PM2 would run)`);

  // PM2's default: cluster mode when `instances` is given, fork mode otherwise.
  const mode = app.exec_mode ?? (app.instances !== undefined ? "cluster" : "fork");
  if (mode !== "cluster" && mode !== "cluster_mode" && mode !== "fork" && mode !== "fork_mode") {
    throw badConfig(shown, `app "${name}": exec_mode: ${JSON.stringify(mode)} is not valid; expected "cluster" or "fork"`);
  }
  // Fork mode is one process that need not listen (a queue consumer); PM2 counts it online once started.
  if ((mode === "fork" || mode === "fork_mode") && !("noListen" in options)) {
    if (options.workers === undefined) set("workers", 1, "exec_mode");
    if (options.workers === 1 || options.workers === "1") set("noListen", true, "exec_mode");
  }
  if (app.interpreter !== undefined && app.interpreter !== "node" && app.interpreter !== "none" && !/(^|\/)node$/.test(String(app.interpreter))) {
    unsupported.push(`interpreter (${JSON.stringify(app.interpreter)}: corral runs node only)`);
  }
  for (const key of ["merge_logs", "combine_logs"]) {
    if (app[key] === false) unsupported.push(`${key} (false: corral writes one file; put %w in out_file for one per worker)`);
  }
  if (app.autorestart === false) unsupported.push("autorestart (false: corral always restarts a crashed worker)");

  const env = environmentOf(app, environment, where);
  if (env) {
    options.env = env.value;
    sources.env = env.source;
  }
  // Relative paths are the file's, as in PM2; the script is inside the app's cwd.
  if (typeof options.cwd === "string") options.cwd = path.resolve(directory, options.cwd);
  if (typeof options.entry === "string") options.entry = path.resolve(typeof options.cwd === "string" ? options.cwd : directory, options.entry);
  return { name, layer: { options, sources }, unsupported };
}

/** `env`, with `env_<environment>` over it (PM2's --env); null when neither is set. */
function environmentOf(app: Record<string, unknown>, environment: string | undefined, where: string): { value: unknown; source: string } | null {
  const selected = environment === undefined ? undefined : app[`env_${environment}`];
  const base = app.env;
  if (selected === undefined) return base === undefined ? null : { value: base, source: `${where}: env` };
  if (base === undefined || !isObject(base) || !isObject(selected)) return { value: selected, source: `${where}: env_${environment}` };
  return { value: { ...base, ...selected }, source: `${where}: env/env_${environment}` };
}

/** PM2 splits a string of arguments on spaces; quotes keep a word together. */
function splitWords(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
