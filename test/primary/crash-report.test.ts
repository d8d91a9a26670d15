// What a failed worker's report shows, from the stderr lines it wrote (pure function, table-tested).
import assert from "node:assert/strict";
import { test } from "node:test";
import { STDERR_LINES_KEPT, crashReport, rememberLine } from "../../src/primary/crash-report.js";

const frames = (n: number, indent = "    "): string[] => Array.from({ length: n }, (_, i) => `${indent}at f${i} (/app/lib.js:${i + 1}:1)`);

test("an uncaught throw: from the throw site, the message line, then at most 10 frames and the rest counted", () => {
  const lines = ["starting", "/app/server.js:3", "throw new Error('missing DATABASE_URL');", "^", "", "Error: missing DATABASE_URL", ...frames(14), "", "Node.js v20.20.2"];
  const report = crashReport(lines);
  assert.deepEqual(report.slice(0, 5), ["/app/server.js:3", "throw new Error('missing DATABASE_URL');", "^", "", "Error: missing DATABASE_URL"]);
  assert.equal(report.filter((l) => l.includes(" at f")).length, 10);
  assert.ok(report.includes("    … 4 more frames"));
  assert.equal(report.at(-1), "Node.js v20.20.2");
});

test("an unhandled 'error' event: node's or corral's own throw site is left out, the message comes first", () => {
  // corral's own code, where the module under test lives (src/ here, dist/ when built).
  const own = new URL("../../src/worker/listen-watch.js", import.meta.url).href;
  for (const site of ["node:events:497", `${own}:59`]) {
    const lines = [site, "      throw er; // Unhandled 'error' event", "      ^", "", "Error: listen EADDRINUSE: address already in use :::3000", ...frames(2), "", "Node.js v20.20.2"];
    assert.equal(crashReport(lines)[0], "Error: listen EADDRINUSE: address already in use :::3000", site);
  }
});

test("a SyntaxError in an ES module", () => {
  const lines = ["file:///app/server.mjs:7", "const x = ;", "          ^", "", "SyntaxError: Unexpected token ';'", ...frames(3), "", "Node.js v20.20.2"];
  assert.equal(crashReport(lines)[4], "SyntaxError: Unexpected token ';'");
});

test("an error the app printed itself before exiting (no caret): from its message line", () => {
  const lines = ["booting", "TypeError [ERR_INVALID_ARG_TYPE]: The \"port\" argument must be a number", ...frames(3), "shutting down"];
  assert.deepEqual(crashReport(lines).slice(0, 2), [lines[1], frames(1)[0]]);
});

test("nothing that looks like an error: the last lines", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
  assert.deepEqual(crashReport(lines), lines.slice(-15));
  assert.deepEqual(crashReport([]), []);
});

test("what is remembered per worker is bounded in lines and characters", () => {
  const tail: string[] = [];
  for (let i = 0; i < STDERR_LINES_KEPT + 50; i++) rememberLine(tail, `line ${i}`);
  assert.equal(tail.length, STDERR_LINES_KEPT);
  assert.equal(tail[0], "line 50");
  rememberLine(tail, "x".repeat(1_000_000));
  assert.ok(tail.at(-1)!.length < 3000);
});
