/**
 * `--watch` (development): a rolling reload whenever a file under the entry's
 * directory changes. Editors write a file in bursts (truncate, write, rename a
 * swap file), so changes are debounced; node_modules, dotfiles (.git, editor
 * swap files), editors' temporary and backup files and empty new folders are
 * ignored (watch-tree.ts). A reload that fails (a syntax error mid-edit) is
 * logged and the running workers keep serving; the next save tries again.
 *
 * One save is one reload, even when some of its events arrive late: the primary's
 * event loop runs expired timers before it reads new fs events, so after a busy
 * moment the debounce can fire and the reload start while events of the same save
 * still wait (a new folder's own watcher reports the file written into it, an
 * editor's last write). An event for a file last modified before the latest reload
 * began is such a leftover: the workers that reload forks read that content already.
 */
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { isCorralError } from "../errors.js";
import type { Corral } from "./corral.js";
import { watchTree, type TreeWatcher } from "./watch-tree.js";

const WATCH_DEBOUNCE_MS = 300;
/**
 * The kernel stamps files from a coarse clock (a tick, up to 10 ms, behind the time): a file is
 * older than a reload only if stamped this much before it, so a save as the reload starts is never lost.
 */
const STAMP_SLACK_MS = 20;

export interface Watcher {
  close(): void;
}

export function watchForChanges(corral: Corral, debounceMs = WATCH_DEBOUNCE_MS): Watcher {
  const root = dirname(corral.options.entry);
  const log = (message: string): void => corral.log("warn", message);
  let timer: NodeJS.Timeout | null = null;
  let changed = new Set<string>();
  let reloading = false;
  let again = false;
  let closed = false;
  /** When the latest reload took its changed files (wall clock, as file times are); 0 before the first. */
  let reloadStartedAt = 0;

  /** The file (or folder) has not changed since the latest reload began: its event is a leftover. */
  const alreadyLoaded = (file: string): boolean => {
    if (reloadStartedAt === 0) return false;
    try {
      const stats = statSync(join(root, file));
      // A whole second is a file system that keeps only seconds (FAT, some network mounts): no telling.
      if (stats.mtimeMs % 1000 === 0) return false;
      // ctime too: a file renamed over another (sed -i, editors' safe write) keeps the mtime of its writing.
      return Math.max(stats.mtimeMs, stats.ctimeMs) < reloadStartedAt - STAMP_SLACK_MS;
    } catch {
      return false; // removed: a change like any other
    }
  };

  const reload = async (): Promise<void> => {
    if (closed || corral.shuttingDown) return;
    // A change during a reload means the new workers may run stale code: reload once more after.
    if (reloading) {
      again = true;
      return;
    }
    const files = [...changed];
    changed = new Set();
    reloading = true;
    reloadStartedAt = Date.now();
    log(`--watch: ${files.slice(0, 3).join(", ")}${files.length > 3 ? ` and ${files.length - 3} more` : ""} changed; reloading`);
    try {
      await corral.reload("watch");
    } catch (error) {
      if (isCorralError(error) && error.code === "CORRAL_ERR_BUSY") {
        // A reload or scale from the CLI is running: ours follows it, the change must not be lost.
        for (const file of files) changed.add(file);
        again = true;
      } else if (!corral.shuttingDown) {
        // The supervisor has already printed why (with the app's error output).
        log("--watch: the new version did not start; the running workers keep serving until the next change");
      }
    } finally {
      reloading = false;
    }
    if (again) {
      again = false;
      schedule();
    }
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void reload();
    }, debounceMs);
  };

  let tree: TreeWatcher;
  try {
    tree = watchTree(
      root,
      (file) => {
        if (alreadyLoaded(file)) return;
        changed.add(file);
        schedule();
      },
      log,
    );
  } catch (error) {
    log(`--watch: cannot watch ${root}: ${(error as Error).message}`);
    return { close() {} };
  }
  log(`--watch: reloading on changes under ${root} (${tree.directories} director${tree.directories === 1 ? "y" : "ies"}; node_modules, dotfiles and editors' temporary files ignored)`);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      tree.close();
    },
  };
}
