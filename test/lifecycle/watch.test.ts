/**
 * `--watch`: a change under the entry's directory reloads the workers (debounced);
 * node_modules and dotfiles are ignored; a broken edit leaves the old workers
 * serving until the next save fixes it.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
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

      // A directory created after start is watched too. (Had the burst made two reloads, this would be the 4th.)
      mkdirSync(join(dir, "lib"));
      await corral.waitForOutput(/--watch: lib changed; reloading/, 20_000);
      await waitFor(() => reloads() >= 3, "a reload for the new directory", 20_000);
      assert.equal(reloads(), 3, corral.output);
      write("lib/util.cjs", "module.exports = 2");
      await waitFor(() => reloads() === 4, "a reload for a file in the new directory", 20_000);
      assert.match(corral.output, /--watch: lib\/util\.cjs changed; reloading/);

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
});
