/**
 * Imports a JavaScript or TypeScript config module, in the short-lived process that evaluates
 * it (evaluate-child.ts), never in the primary. TypeScript goes through
 * Node's own type stripping when this Node has it (22.18+/23.6+ by default,
 * 22.6+ with --experimental-strip-types), else through tsx when it can be found.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isTypeScript, nodeStripsTypes } from "./typescript.js";

/** How to get TypeScript support, for the error shown when neither route works. */
const TYPESCRIPT_HOW_TO =
  "TypeScript needs Node >= 22.18 (or >= 22.6 with --experimental-strip-types) or tsx installed " +
  "(npm install --save-dev tsx); or write the file as .mjs or .json";

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
  if (!isTypeScript(file) || nodeStripsTypes()) {
    if (isEsmInCommonJsPackage(file)) return importAsEsm(file);
    return (await import(url)) as Record<string, unknown>;
  }
  const tsx = await loadTsx(cwd);
  if (tsx === null) throw new TypeScriptUnavailableError(TYPESCRIPT_HOW_TO);
  return (await tsx.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** `.ts` and `.js` follow the package's "type"; these spellings are ES modules wherever they are. */
const ESM_SPELLING: Readonly<Record<string, string>> = { ".ts": ".mts", ".js": ".mjs" };
const ESM_SYNTAX = /^\s*(export\s|import\s+(?!\()|import\s*\{)/m;

/**
 * `export default {…}` in corral.config.ts inside a package whose package.json says
 * "type": "commonjs" (what `npm init -y` writes since npm 11): Node loads the file as
 * CommonJS and fails on `export`. The file says what it is, so it is loaded as what it says.
 */
function isEsmInCommonJsPackage(file: string): boolean {
  if (ESM_SPELLING[path.extname(file)] === undefined) return false;
  try {
    return packageType(path.dirname(file)) !== "module" && ESM_SYNTAX.test(readFileSync(file, "utf8"));
  } catch {
    return false; // unreadable: let the import report it
  }
}

/** The "type" of the nearest package.json above `directory` ("commonjs" when there is none, as node reads it). */
function packageType(directory: string): string {
  for (let dir = directory; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { type?: unknown };
      return typeof manifest.type === "string" ? manifest.type : "commonjs";
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return "commonjs";
    }
    if (path.dirname(dir) === dir) return "commonjs";
  }
}

/**
 * Imports a copy spelled .mts/.mjs, beside the original so that its relative imports resolve
 * the same, removed at once. A folder corral cannot write to gets the fix instead.
 */
async function importAsEsm(file: string): Promise<Record<string, unknown>> {
  const extension = path.extname(file);
  const copy = path.join(path.dirname(file), `.${path.basename(file, extension)}.${process.pid}${ESM_SPELLING[extension]!}`);
  try {
    writeFileSync(copy, readFileSync(file), { flag: "wx" });
  } catch (error) {
    throw new EsmInCommonJsError(
      `${path.basename(file)} is an ES module (export/import) but the package.json "type" is not "module", so node ` +
        `reads it as CommonJS; rename it ${path.basename(file, extension)}${ESM_SPELLING[extension]!} or set "type": "module" ` +
        `(corral could not write its own copy: ${(error as Error).message})`,
    );
  }
  try {
    return (await import(pathToFileURL(copy).href)) as Record<string, unknown>;
  } finally {
    rmSync(copy, { force: true });
  }
}

export class EsmInCommonJsError extends Error {}
