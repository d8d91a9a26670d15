/**
 * `--watch`: a change under the entry's directory reloads the workers (debounced);
 * node_modules, dotfiles, editors' temporary and backup files and empty new
 * folders are ignored; a broken edit leaves the old workers serving until the
 * next save fixes it.
 */
import assert from "node:assert/strict";
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { getJson, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";

const APP = `
const http = require("node:http");
const { readFileSync } = require("node:fs");
const message = readFileSync(require("node:path").join(__dirname, "message.txt"), "utf8").trim();
http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ pid: process.pid, message }));
}).listen(0, "127.0.0.1", function () { console.log("listening " + this.address().port); });
`;

describe("--watch", () => {
  it("reloads on changes, debounced, ignoring node_modules and dotfiles, and survives a broken edit", async () => {
    const dir = tempDir("corral-watch-");
    const write = (file: string, text: string): void => writeFileSync(join(dir, file), text);
    write("server.cjs", APP);
    write("message.txt", "one");
    mkdirSync(join(dir, "node_modules/dep"), { recursive: true });
    mkdirSync(join(dir, ".git"));
    const corral = startCorral(["start", join(dir, "server.cjs"), "--watch", "--workers", "2", "--name", "watched"], { cwd: dir });
    const port = await corral.ready(2, 30_000);
    await corral.waitForOutput(/--watch: reloading on changes under/);
    const reloads = (): number => corral.output.match(/reload done in/g)?.length ?? 0;
    await underLoad(port, { keepAlive: 2 }, async (load) => {
      await load.progress(50);
      assert.equal((await getJson(port, "/")).message, "one");

      // Ignored writes land together with a real one: the reload names only the real one.
      write("node_modules/dep/index.js", "module.exports = 1");
      write(".git/index", "x");
      write(".env.swp", "x");
      write("message.txt", "two");
      await waitFor(() => reloads() === 1, `a reload\n${corral.output}`, 20_000);
      assert.match(corral.output, /--watch: message\.txt changed; reloading/);
      assert.equal((await getJson(port, "/")).message, "two");

      // A burst of saves is one reload.
      for (let i = 0; i < 5; i++) write("message.txt", `three ${i}`);
      await waitFor(() => reloads() === 2, "a reload for the burst", 20_000);
      assert.equal((await getJson(port, "/")).message, "three 4");
      await load.progress(50);

      // A directory created after start is watched too; created empty, it is no reason to reload.
      // (Had the burst or the mkdir made a reload of their own, this would be the 4th.)
      // The file may land before the new directory's watcher: then the directory is named, holding it, or
      // both are (`lib, lib/util.cjs`) when the new watcher reports the file too within the debounce.
      mkdirSync(join(dir, "lib"));
      write("lib/util.cjs", "module.exports = 2");
      await waitFor(() => reloads() >= 3, "a reload for a file in the new directory", 20_000);
      assert.equal(reloads(), 3, corral.output);
      assert.match(corral.output, /--watch: (lib(\/util\.cjs)?|lib, lib\/util\.cjs) changed; reloading/);
      // Waits for this save's own line: a late event from the directory's creation can make a reload of its
      // own first (seen once on a quiet machine), and counting reloads would then look before this one.
      const seen = corral.output.length;
      write("lib/util.cjs", "module.exports = 3");
      await waitFor(
        () => /--watch: lib\/util\.cjs changed; reloading/.test(corral.output.slice(seen)),
        "a reload for a file in the watched new directory, naming it",
        20_000,
      );

      // A syntax error mid-edit: the old workers keep serving; the next save fixes it.
      write("server.cjs", "this is not javascript {");
      await corral.waitForOutput(/--watch: the new version did not start; the running workers keep serving/, 20_000);
      assert.match(corral.output, /SyntaxError/);
      assert.equal((await getJson(port, "/")).message, "three 4");
      write("message.txt", "four");
      write("server.cjs", APP);
      await waitFor(async () => (await getJson(port, "/")).message === "four", "the fixed version to be served", 20_000);
      await load.progress(50);
    });
    const triggers = corral.output.split("\n").filter((line) => line.includes("changed; reloading")).join("\n");
    assert.doesNotMatch(triggers, /node_modules|\.git|\.env\.swp/);
  });

  it("a save by vim, sed -i or emacs is one reload naming the saved file; temp files and empty folders are none", async () => {
    const dir = tempDir("corral-watch-");
    const path = (file: string): string => join(dir, file);
    writeFileSync(path("server.cjs"), APP);
    writeFileSync(path("message.txt"), "one");
    const corral = startCorral(["start", path("server.cjs"), "--watch", "--workers", "1", "--name", "watched-editors"], { cwd: dir });
    const port = await corral.ready(1, 30_000);
    await corral.waitForOutput(/--watch: reloading on changes under/);
    const reloads = (): number => corral.output.match(/reload done in/g)?.length ?? 0;
    const saves: Record<string, (text: string) => void> = {
      // vim (backupcopy=no): probes the folder with 4913, renames the file to a backup, writes anew, drops the backup.
      vim: (text) => {
        writeFileSync(path("4913"), "");
        unlinkSync(path("4913"));
        writeFileSync(path(".message.txt.swp"), "swap");
        renameSync(path("message.txt"), path("message.txt~"));
        writeFileSync(path("message.txt"), text);
        unlinkSync(path("message.txt~"));
      },
      // sed -i: writes a sedXXXXXX file beside it and renames it over the file.
      sed: (text) => {
        writeFileSync(path("sedJUczKC"), text);
        renameSync(path("sedJUczKC"), path("message.txt"));
      },
      // emacs: an auto-save #file#, a lock .#file, a backup file~ that stays.
      emacs: (text) => {
        writeFileSync(path("#message.txt#"), text);
        writeFileSync(path(".#message.txt"), "lock");
        writeFileSync(path("message.txt~"), "backup");
        writeFileSync(path("message.txt"), text);
        unlinkSync(path("#message.txt#"));
      },
      // An empty folder (mkdir uploads) with the save: the reload is the save's alone.
      mkdir: (text) => {
        mkdirSync(path("uploads"));
        writeFileSync(path("message.txt"), text);
      },
    };
    let expected = 0;
    for (const [editor, save] of Object.entries(saves)) {
      save(editor);
      expected += 1;
      await waitFor(async () => reloads() >= expected && (await getJson(port, "/")).message === editor, `${editor}'s save to be served\n${corral.output}`, 20_000);
    }
    // Whatever a save left to fire late would reload before this last one, and be counted.
    writeFileSync(path("message.txt"), "last");
    expected += 1;
    await waitFor(async () => reloads() >= expected && (await getJson(port, "/")).message === "last", "the last save to be served", 20_000);
    assert.equal(reloads(), expected, corral.output);
    const triggers = corral.output.split("\n").filter((line) => line.includes("changed; reloading"));
    assert.deepEqual(triggers.map((line) => line.replace(/^.*--watch: /, "")), Array(expected).fill("message.txt changed; reloading"), corral.output);
    await corral.stop();
  });
});
