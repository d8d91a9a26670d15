/**
 * Imports a JavaScript or TypeScript config module. TypeScript goes through
 * Node's own type stripping when this Node has it (22.18+/23.6+ by default,
 * 22.6+ with --experimental-strip-types), else through tsx when it can be found.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const TYPESCRIPT_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts"];

/** How to get TypeScript support, for the error shown when neither route works. */
const TYPESCRIPT_HOW_TO =
  "TypeScript needs Node >= 22.18 (or >= 22.6 with --experimental-strip-types) or tsx installed " +
  "(npm install --save-dev tsx); or write the file as .mjs or .json";

/** True when this Node strips types itself; `process.features.typescript` is missing before 22.10. */
function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: string | false };
  return typeof features.typescript === "string";
}

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<unknown>;
}

/**
 * tsx is looked up from the user's project first (corral's own devDependency
 * is not installed for users), then from corral's location. require.resolve
 * would pick the "require" build of tsx/esm/api, whose tsImport cannot find its
 * loader when imported from ESM, so the "import" target is read from tsx's exports.
 */
async function loadTsx(cwd: string): Promise<TsxApi | null> {
  const candidates: string[] = [];
  const fromProject = esmApiPath(cwd);
  if (fromProject !== null) candidates.push(pathToFileURL(fromProject).href);
  candidates.push("tsx/esm/api");
  for (const specifier of candidates) {
    try {
      const api = (await import(specifier)) as Partial<TsxApi>;
      if (typeof api.tsImport === "function") return api as TsxApi;
    } catch {
      // try the next candidate
    }
  }
  return null;
}

function esmApiPath(cwd: string): string | null {
  try {
    const manifestPath = createRequire(path.join(cwd, "package.json")).resolve("tsx/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, unknown> };
    const target = manifest.exports?.["./esm/api"] as { import?: string | { default?: string } } | undefined;
    const file = typeof target?.import === "string" ? target.import : target?.import?.default;
    return file === undefined ? null : path.join(path.dirname(manifestPath), file);
  } catch {
    return null; // not installed in the project
  }
}

export class TypeScriptUnavailableError extends Error {}

/** The module namespace of `file` (absolute). Throws TypeScriptUnavailableError when a .ts file cannot be loaded at all. */
export async function importModule(file: string, cwd: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT_EXTENSIONS.includes(path.extname(file)) || nodeStripsTypes()) {
    return (await import(url)) as Record<string, unknown>;
  }
  const tsx = await loadTsx(cwd);
  if (tsx === null) throw new TypeScriptUnavailableError(TYPESCRIPT_HOW_TO);
  return (await tsx.tsImport(url, import.meta.url)) as Record<string, unknown>;
}
