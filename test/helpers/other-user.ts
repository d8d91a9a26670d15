/**
 * For tests that run workers as another user (`--user nobody`). A worker must read corral's
 * runtime (preloaded from dist/worker), the app, and exec node; a clone in a private directory
 * (mode 0700, as under /root) lets nobody in. So such tests run corral from a copy in a
 * world-readable temp tree: package.json (ESM "type", and the `corral/worker` self-reference an
 * app may import), dist/, the app, and — only when the running node is not reachable by others
 * (a Node from .tools/ in a private clone) — the node binary. The primary, root, starts from the
 * copy's CLI, so it preloads the copy's runtime. corral's runtime dependencies (package.json
 * "dependencies" and theirs) are copied too: the CLI run as another user imports them.
 */
import { accessSync, chmodSync, constants, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ROOT, tempDir } from "./corral.js";

/** True when another user can reach `file` (every directory above it searchable) and read it (and run it, if `execute`). */
export function readableByOthers(file: string, execute = false): boolean {
  for (let path = file; ; path = dirname(path)) {
    const mode = statSync(path).mode;
    const needed = path === file ? constants.S_IROTH | (execute ? constants.S_IXOTH : 0) : constants.S_IXOTH;
    if ((mode & needed) !== needed) return false;
    if (dirname(path) === path) return true;
  }
}

/** Directories 0755, files 0644: a copy keeps the source's modes, which a umask of 077 makes private. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) openUp(join(dir, entry.name));
    else if (entry.isFile()) chmodSync(join(dir, entry.name), 0o644);
  }
}

/** Copies `names` and what they depend on from this repo's node_modules (npm's flat layout) into `into`. */
function copyDependencies(names: Iterable<string>, into: string): void {
  const pending = [...names];
  const copied = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const from = join(ROOT, "node_modules", name);
    if (copied.has(name) || !existsSync(from)) continue; // an optional peer nobody installed
    copied.add(name);
    cpSync(from, join(into, name), { recursive: true, dereference: true });
    const manifest = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    for (const field of ["dependencies", "optionalDependencies", "peerDependencies"]) pending.push(...Object.keys(manifest[field] ?? {}));
  }
}

export interface ReadableInstall {
  /** The copy's root (mode 0755): a cwd the workers can enter. */
  dir: string;
  /** The copy's dist/cli/main.js, for startCorral's `cli`. */
  cli: string;
  /** The node binary to start corral with (workers are forked with the primary's own). */
  node: string;
  /** Copies a file (a fixture) into the tree, readable by all; returns its path there. */
  add(file: string): string;
  /** startCorral options that run this copy: its CLI, that node, the tree as cwd. */
  run: { cli: string; node: string; cwd: string };
}

export function readableInstall(): ReadableInstall {
  const dir = tempDir("corral-readable-");
  chmodSync(dir, 0o755);
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  copyDependencies(Object.keys(manifest.dependencies ?? {}), join(dir, "node_modules"));
  openUp(dir);
  let node = process.execPath;
  if (!readableByOthers(node, true)) {
    mkdirSync(join(dir, "bin"), { mode: 0o755 });
    node = join(dir, "bin", "node");
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  const add = (file: string): string => {
    const target = join(dir, basename(file));
    copyFileSync(file, target);
    chmodSync(target, 0o644);
    return target;
  };
  accessSync(join(dir, "dist/worker/runtime.js"));
  if (!readableByOthers(join(dir, "dist/worker/runtime.js"))) throw new Error(`${dir} is not readable by other users (is TMPDIR private?)`);
  const cli = join(dir, "dist/cli/main.js");
  return { dir, cli, node, add, run: { cli, node, cwd: dir } };
}
