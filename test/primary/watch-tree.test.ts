// watchTree: one fs.watch per directory of a real temp tree, skipping node_modules and dot-directories.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { watchTree, type TreeWatcher } from "../../src/primary/watch-tree.js";
import { tempDir, tempTree, waitFor } from "../helpers/corral.js";

let open: TreeWatcher[] = [];
afterEach(() => {
  for (const watcher of open) watcher.close();
  open = [];
});

function watch(root: string): { watcher: TreeWatcher; changes: string[]; warnings: string[] } {
  const changes: string[] = [];
  const warnings: string[] = [];
  const watcher = watchTree(root, (path) => changes.push(path), (message) => warnings.push(message));
  open.push(watcher);
  return { watcher, changes, warnings };
}

/** Waits until `path` was reported (fs.watch is asynchronous). */
const reported = (changes: string[], path: string) => waitFor(() => changes.includes(path), `a change of ${path} (got ${JSON.stringify(changes)})`, 5_000);

test("reports writes anywhere in the tree as paths relative to the root, with / separators", async () => {
  const root = tempTree({ "server.js": "", "lib/util.js": "", "lib/deep/more.js": "" });
  const { watcher, changes } = watch(root);
  assert.equal(watcher.directories, 3, "root, lib, lib/deep");
  writeFileSync(join(root, "server.js"), "1");
  writeFileSync(join(root, "lib/deep/more.js"), "1");
  await reported(changes, "server.js");
  await reported(changes, "lib/deep/more.js");
});

test("node_modules and dot-directories are neither watched nor reported, at any depth", async () => {
  const root = tempTree({
    "server.js": "", "node_modules/dep/index.js": "", ".git/HEAD": "", "lib/node_modules/x.js": "", "lib/.cache/y": "", "lib/a.js": "",
  });
  const { watcher, changes } = watch(root);
  assert.equal(watcher.directories, 2, "root and lib only");
  writeFileSync(join(root, "node_modules/dep/index.js"), "1");
  writeFileSync(join(root, ".git/HEAD"), "1");
  writeFileSync(join(root, ".env"), "1"); // a dotfile in a watched directory
  writeFileSync(join(root, "server.js~"), "1"); // editors' backups and temporary files
  writeFileSync(join(root, "lib/sedAb12Cd"), "1");
  mkdirSync(join(root, "node_modules/new-dep")); // a rename event in the root for an ignored name
  writeFileSync(join(root, "lib/a.js"), "1"); // the marker: everything before it has been delivered
  await reported(changes, "lib/a.js");
  assert.deepEqual(changes.filter((c) => c !== "lib/a.js"), [], "nothing ignored was reported");
});

test("a directory created (or moved in) later is watched too; a removed one is let go", async () => {
  const root = tempTree({ "server.js": "" });
  const outside = tempTree({ "inner/file.js": "" });
  const { watcher, changes } = watch(root);
  mkdirSync(join(root, "routes"));
  await waitFor(() => watcher.directories === 2, "routes to be watched");
  writeFileSync(join(root, "routes/users.js"), "1");
  await reported(changes, "routes/users.js");
  assert.ok(!changes.includes("routes"), "a folder created empty changes nothing the app loads");

  renameSync(outside, join(root, "moved"));
  await reported(changes, "moved");
  await waitFor(() => watcher.directories >= 3, "the moved-in directory to be watched");
  writeFileSync(join(root, "moved/inner/file.js"), "2");
  await reported(changes, "moved/inner/file.js");
  assert.equal(watcher.directories, 4, "moved-in subdirectories too");

  rmSync(join(root, "moved"), { recursive: true });
  await waitFor(() => watcher.directories === 2, "the removed directories to be let go");
});

test("close() stops the reports and releases every watch", async () => {
  const root = tempTree({ "a.js": "", "sub/b.js": "" });
  const { watcher, changes } = watch(root);
  watcher.close();
  assert.equal(watcher.directories, 0);
  writeFileSync(join(root, "a.js"), "1");
  // A second watcher on the same tree sees the next write: the first, closed, must not have.
  const second = watch(root);
  writeFileSync(join(root, "sub/b.js"), "1");
  await reported(second.changes, "sub/b.js");
  assert.deepEqual(changes, []);
});

test("a root that cannot be watched throws; past 4096 directories it warns once and watches no more", () => {
  assert.throws(() => watchTree(join(tempDir(), "missing"), () => {}, () => {}), /ENOENT/);
  const root = tempDir();
  for (let i = 0; i < 4100; i++) mkdirSync(join(root, `d${i}`));
  const { watcher, warnings } = watch(root);
  assert.equal(watcher.directories, 4096);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /--watch: watching the first 4096 directories under .* only/);
});
