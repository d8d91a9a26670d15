/**
 * Watches a directory tree, skipping node_modules and dot-directories, with
 * one non-recursive fs.watch per directory.
 *
 * Why not `fs.watch(root, { recursive: true })`: on Linux, Node 20 implements
 * it in JavaScript by walking the whole tree synchronously — node_modules
 * included — and keeping a watcher for every directory in it. In the primary,
 * whose event loop hands off every connection, a walk of a large node_modules
 * is a visible stall, and ignoring those events afterwards does not get the
 * inotify watches back. Walking only what we watch costs nothing extra.
 */
import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { join, relative, sep } from "node:path";

/** Most directories watched; past it we warn and watch no more (inotify watches are a per-user limit). */
const MAX_DIRECTORIES = 4096;

/**
 * Editors' and tools' temporary and backup files: written around a save and gone again (or left
 * beside the file), never what the app loads. `sed -i` writes sedXXXXXX and renames it over the file;
 * vim probes a folder with 4913 and keeps file~ backups and .swp swaps; emacs writes #file#;
 * JetBrains IDEs file___jb_tmp___. Dot files (.#file, .file.swp) are ignored as dot files.
 */
const TEMPORARY_FILES: readonly RegExp[] = [
  /^sed[A-Za-z0-9]{6}$/,
  /^4913$/,
  /~$/,
  /^#.*#$/,
  /\.sw[ponmx]$/,
  /\.(tmp|bak|orig|rej|crswap)$/i,
  /___jb_(tmp|old|bak)___$/,
];

/** True for a path (relative to the watched root) a reload should not follow. */
function isIgnored(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  const name = parts.at(-1) ?? "";
  return (
    parts.some((part) => part === "node_modules" || (part.startsWith(".") && part !== "." && part !== "..")) ||
    TEMPORARY_FILES.some((pattern) => pattern.test(name))
  );
}

export interface TreeWatcher {
  close(): void;
  /** Directories currently watched (for tests and diagnostics). */
  readonly directories: number;
}

export function watchTree(root: string, onChange: (relativePath: string) => void, onWarning: (message: string) => void): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  let warnedLimit = false;
  let closed = false;

  const unwatch = (dir: string): void => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  /** Watches `dir` and the folders below it; returns how many files (not ignored) they hold. */
  const add = (dir: string): number => {
    if (closed || watchers.has(dir)) return 0;
    if (watchers.size >= MAX_DIRECTORIES) {
      if (!warnedLimit) onWarning(`--watch: watching the first ${MAX_DIRECTORIES} directories under ${root} only`);
      warnedLimit = true;
      return 0;
    }
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (event, name) => onEvent(dir, event, name === null ? null : name.toString()));
    } catch (error) {
      // Removed between listing and watching, or unreadable: nothing to follow there.
      if (dir === root) throw error;
      return 0;
    }
    watcher.on("error", () => unwatch(dir)); // the directory went away
    watchers.set(dir, watcher);
    let entries: import("node:fs").Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    let files = 0;
    for (const entry of entries) {
      if (isIgnored(entry.name)) continue;
      if (entry.isDirectory()) files += add(join(dir, entry.name));
      else files += 1;
    }
    return files;
  };

  const onEvent = (dir: string, event: string, name: string | null): void => {
    if (closed) return;
    const path = name === null ? dir : join(dir, name);
    const rel = relative(root, path);
    if (rel !== "" && isIgnored(rel)) return;
    if (name !== null && event === "rename") {
      // A new directory (mkdir, or a rename into the tree) needs its own watcher; a removed one loses it.
      // Both arrive as "rename" (inotify's create/delete/move); a "change" is a file written, with no
      // stat to pay on the primary's event loop.
      let isDirectory = false;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        unwatch(path);
      }
      // A folder that arrives empty (mkdir) changes nothing the app could load; one moved in with files does.
      if (isDirectory && add(path) === 0) return;
    }
    onChange(rel === "" ? "." : rel.split(sep).join("/"));
  };

  add(root);
  return {
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
    get directories() {
      return watchers.size;
    },
  };
}
