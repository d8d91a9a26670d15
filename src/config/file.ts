/**
 * corral.config.{ts,mjs,js,json}: the same options as the flags, for one app
 * or a list of apps. Values are checked for shape here (objects, known keys)
 * and for meaning in resolve.ts, with sources like "corral.config.json: apps[1].workers".
 */
import { readFile } from "node:fs/promises";
import { statSync } from "node:fs";
import path from "node:path";
import { badConfig, unknownOption } from "../errors.js";
import { OPTION_KEYS, isOptionKey, type OptionLayer, type OptionSources, type RawOptions } from "./keys.js";
import { evaluateConfigModule } from "./evaluate.js";
import { TYPESCRIPT_EXTENSIONS } from "./typescript.js";

/** Looked up in this order in the working directory when no --config is given. */
const CONFIG_FILE_NAMES: readonly string[] = [
  "corral.config.ts",
  "corral.config.mjs",
  "corral.config.js",
  "corral.config.json",
];

const LOADABLE_EXTENSIONS = [".json", ".js", ".mjs", ".cjs", ...TYPESCRIPT_EXTENSIONS];

export interface ConfigFile {
  /** Absolute path of the file. */
  readonly path: string;
  /** One layer per app, in file order (a single-app file gives one). */
  readonly apps: readonly OptionLayer[];
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The file as the user would refer to it: relative to cwd when inside it. */
export function displayName(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Loads `configPath` (relative to cwd), or the first CONFIG_FILE_NAMES found in
 * cwd; null when there is none. An explicit path that does not exist is an error.
 */
export async function loadConfigFile(configPath: string | undefined, cwd: string): Promise<ConfigFile | null> {
  let file: string;
  if (configPath !== undefined) {
    file = path.resolve(cwd, configPath);
    if (!isFile(file)) throw badConfig(configPath, "not found");
  } else {
    const found = CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find(isFile);
    if (found === undefined) return null;
    file = found;
  }
  const shown = displayName(file, cwd);
  const exported = await loadExport(file, shown, cwd);
  return { path: file, apps: appsFrom(exported, shown, path.dirname(file)) };
}

/** The file's default export (a function's result), or its JSON; errors name the file as `shown`. */
export async function loadExport(file: string, shown: string, cwd: string): Promise<unknown> {
  const extension = path.extname(file);
  if (!LOADABLE_EXTENSIONS.includes(extension)) {
    throw badConfig(shown, `cannot load ${extension || "a file without extension"}; use ${LOADABLE_EXTENSIONS.join(", ")}`);
  }
  if (extension === ".json") {
    const text = await readFile(file, "utf8");
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw badConfig(shown, `invalid JSON: ${(error as Error).message}`, error);
    }
  }
  return evaluateConfigModule(file, shown, cwd);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const SHAPE = "must export one app's options (an object), a list of apps, or { apps: [...] }";

/** One app object, `[app, …]` or `{ apps: [app, …] }` → one layer per app. */
function appsFrom(value: unknown, shown: string, directory: string): OptionLayer[] {
  let list: unknown[];
  let prefix: string;
  if (Array.isArray(value)) [list, prefix] = [value, ""];
  else if (isPlainObject(value) && "apps" in value) {
    const extra = Object.keys(value).filter((key) => key !== "apps");
    if (extra.length > 0) throw badConfig(shown, `put options inside each entry of "apps", not beside it: ${extra.join(", ")}`);
    if (!Array.isArray(value.apps)) throw badConfig(shown, `"apps" must be a list of app options`);
    [list, prefix] = [value.apps, "apps"];
  } else if (isPlainObject(value)) return [appLayer(value, `${shown}: `, shown, directory)];
  else throw badConfig(shown, SHAPE);

  if (list.length === 0) throw badConfig(shown, "lists no apps");
  return list.map((app, index) => {
    const at = `${prefix}[${index}]`;
    if (!isPlainObject(app)) throw badConfig(shown, `${at} must be an object of app options`);
    return appLayer(app, `${shown}: ${at}.`, `${shown} ${at}`, directory);
  });
}

/**
 * Relative paths in a file mean "relative to the file", wherever corral is
 * started from; and, as in PM2, a relative entry is inside the app's cwd.
 */
function appLayer(app: Record<string, unknown>, sourcePrefix: string, where: string, directory: string): OptionLayer {
  const options: RawOptions = {};
  const sources: OptionSources = {};
  for (const [key, value] of Object.entries(app)) {
    if (!isOptionKey(key)) throw unknownOption(where, key, OPTION_KEYS);
    if (value === undefined) continue;
    options[key] = value;
    sources[key] = `${sourcePrefix}${key}`;
  }
  if (typeof options.cwd === "string") options.cwd = path.resolve(directory, options.cwd);
  if (typeof options.envFile === "string") options.envFile = path.resolve(directory, options.envFile);
  else if (Array.isArray(options.envFile)) options.envFile = options.envFile.map((file: unknown) => (typeof file === "string" && file !== "" ? path.resolve(directory, file) : file));
  if (typeof options.entry === "string") {
    options.entry = path.resolve(typeof options.cwd === "string" ? options.cwd : directory, options.entry);
  }
  return { options, sources };
}
