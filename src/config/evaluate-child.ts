/**
 * The child side of evaluate.ts: node runs this file to import one config file (JS, TS, or a PM2
 * ecosystem file), take its default export (a function's result, awaited) and write it as JSON on
 * fd 3. The primary never imports a config itself: ES modules are never unloaded, so each reload
 * that imported the file anew kept the old module (and all it holds in module scope) for good.
 *
 *   node evaluate-child.js FILE CWD      fd 3 ← {"ok":true,"value":…} | {"ok":false,"reason":…,"stack":…}
 *
 * stdout and stderr stay the config's own (a console.log in it reaches the terminal as before).
 */
import { createWriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EsmInCommonJsError, importModule, TypeScriptUnavailableError } from "./import-module.js";
import { toData } from "./config-data.js";

export type EvaluationResult =
  | { ok: true; value: unknown; env: EnvChanges }
  | { ok: false; reason: string; stack?: string };

/** Variables the file set (a string) or deleted (null) in process.env: `require("dotenv").config()`. */
export type EnvChanges = Record<string, string | null>;

/** Where corral itself is installed: its frames are never the config's throw site. */
const CORRAL_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function evaluate(file: string, cwd: string): Promise<EvaluationResult> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(file, cwd);
  } catch (error) {
    if (error instanceof TypeScriptUnavailableError || error instanceof EsmInCommonJsError) return { ok: false, reason: error.message };
    return failure("failed to load", error, cwd);
  }
  if (!("default" in namespace)) {
    return { ok: false, reason: "has no default export; write `export default { entry: \"server.js\" }`" };
  }
  let value = namespace.default;
  // A .ts or .js file compiled to CommonJS (tsx does that outside "type": "module"
  // packages) arrives as { __esModule: true, default: config } under `default`.
  if (typeof value === "object" && value !== null && (value as { __esModule?: unknown }).__esModule === true && "default" in value) {
    value = (value as { default: unknown }).default;
  }
  // A function lets the config compute options (from env, from files); it may be async.
  if (typeof value === "function") {
    try {
      value = await (value as () => unknown)();
    } catch (error) {
      return failure("its exported function threw", error, cwd);
    }
  }
  const data = toData(value, "its default export");
  return data.ok ? { ok: true, value: data.value, env: envChanges(ENV_BEFORE, process.env) } : { ok: false, reason: data.reason };
}

/**
 * Imported into the primary, a file that loads a .env file (dotenv, PM2 users' habit) set the primary's
 * environment, which the workers inherit and CORRAL_* options are read from: the primary applies these.
 */
function envChanges(before: NodeJS.ProcessEnv, after: NodeJS.ProcessEnv): EnvChanges {
  const changes: EnvChanges = {};
  for (const [name, value] of Object.entries(after)) if (value !== undefined && before[name] !== value) changes[name] = value;
  for (const name of Object.keys(before)) if (after[name] === undefined) changes[name] = null;
  return changes;
}

/** "failed to load: boom (at corral.config.mjs:3:9)": the config's own message and where it was thrown. */
function failure(what: string, error: unknown, cwd: string): EvaluationResult {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  const site = stack === undefined ? null : throwSite(stack, cwd);
  return { ok: false, reason: `${what}: ${message}${site ? ` (at ${site})` : ""}`, ...(stack === undefined ? {} : { stack }) };
}

/**
 * The first frame in the user's files: "corral.config.mjs:3:9" (or "file:///…/x.mjs:3" heading a
 * SyntaxError), relative to cwd; frames of node, of corral and of installed packages (tsx) are skipped.
 */
function throwSite(stack: string, cwd: string): string | null {
  for (const match of stack.matchAll(/(?:^|[\s(])(?:file:\/\/)?(\/[^\s:()]+):(\d+)(?::(\d+))?/gm)) {
    const file = decodeURI(match[1]!);
    if (file.startsWith(CORRAL_ROOT + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const relative = path.relative(cwd, file);
    const shown = relative !== "" && !relative.startsWith("..") ? relative : file;
    return `${shown}:${match[2]}${match[3] ? `:${match[3]}` : ""}`;
  }
  return null;
}

const [file, cwd] = process.argv.slice(2) as [string, string];
const ENV_BEFORE = { ...process.env };
// Not a top-level await: a promise that never settles ends the process quietly (no result, which the
// primary reports) rather than with node's warning about an unsettled top-level await.
void evaluate(file, cwd)
  .catch((error: unknown): EvaluationResult => failure("failed to load", error, cwd))
  .then((result) => {
    // Exit once written: a config that left a timer or a socket open must not keep its evaluation alive.
    createWriteStream("", { fd: 3 }).end(JSON.stringify(result), () => process.exit(0));
  });
