/**
 * How a worker process is started: node flags that preload the corral runtime
 * and, for TypeScript entries, make node able to run them.
 */
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { isTypeScript, nodeCanStripTypes, nodeStripsTypes } from "../config/typescript.js";
import { CorralError } from "../errors.js";

export const RUNTIME_URL = new URL("../worker/runtime.js", import.meta.url).href;

/** node's execArgv for a worker running `entry`. */
export function workerExecArgv(entry: string, nodeArgs: readonly string[]): string[] {
  return [...typescriptArgs(entry), "--import", RUNTIME_URL, ...nodeArgs];
}

/**
 * Node's own type stripping where the version has it (on by default from 22.18
 * and 23.6, behind a flag from 22.6), else tsx when the app or corral can
 * resolve it, else a usage error saying how to enable TypeScript.
 */
export function typescriptArgs(entry: string): string[] {
  if (!isTypeScript(entry)) return [];
  if (nodeStripsTypes()) return [];
  if (nodeCanStripTypes()) return ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];
  const tsx = resolveTsx(entry);
  if (tsx) return ["--import", tsx];
  throw new CorralError(
    "CORRAL_ERR_TYPESCRIPT_UNSUPPORTED",
    `cannot run TypeScript entry ${entry} on Node ${process.versions.node}: ` +
      "use Node >= 22.6 (built-in type stripping) or install tsx next to the app (npm install --save-dev tsx)",
  );
}

function resolveTsx(entry: string): string | null {
  for (const from of [join(dirname(entry), "noop.js"), import.meta.url]) {
    try {
      return pathToFileURL(createRequire(from).resolve("tsx")).href;
    } catch {
      // not resolvable from here; try the next place
    }
  }
  return null;
}
