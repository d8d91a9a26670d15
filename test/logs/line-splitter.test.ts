// Worker output is split into lines by scanning each chunk once; a line longer than the cap is cut,
// marked, and the rest of it skipped up to its newline, so nothing held ever exceeds the cap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cutMarker, LineSplitter } from "../../src/logs/line-splitter.js";

function feed(splitter: LineSplitter, ...chunks: Array<string | Buffer>): string[] {
  const out: string[] = [];
  for (const chunk of chunks) splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, out);
  return out;
}

test("lines are split at newlines, across chunks, with CRLF endings trimmed", () => {
  const splitter = new LineSplitter(100);
  assert.deepEqual(feed(splitter, "a\nb", "c\r\n", "", "\n", "d"), ["a", "bc", "", ]);
  assert.deepEqual(splitter.end(), ["d"], "the last line without a newline is still a line");
  assert.deepEqual(splitter.end(), [], "and only once");
});

test("a multi-byte character split across chunks arrives whole", () => {
  const bytes = Buffer.from("ünïcødé ✓\n");
  const splitter = new LineSplitter(100);
  assert.deepEqual(feed(splitter, bytes.subarray(0, 2), bytes.subarray(2, 13), bytes.subarray(13)), ["ünïcødé ✓"]);
});

test("a line over the cap is cut at the cap, marked, and the rest of it up to its newline is skipped", () => {
  const splitter = new LineSplitter(10);
  const out = feed(splitter, "0123456", "789abcdef", "ghij", "klm\nnext\n");
  assert.deepEqual(out, [`0123456789${cutMarker(10)}`, "next"]);
});

test("a line cut in the chunk that ends it does not swallow the next line", () => {
  const splitter = new LineSplitter(4);
  assert.deepEqual(feed(splitter, "abcdefgh\nij\n"), [`abcd${cutMarker(4)}`, "ij"]);
});

test("a cut never splits a UTF-8 character", () => {
  const splitter = new LineSplitter(4);
  const [line] = feed(splitter, "abc✓def\n"); // ✓ is 3 bytes: bytes 3..5
  assert.equal(line, `abc${cutMarker(4)}`);
});

test("output with no newline at all holds at most the cap, however long it runs", () => {
  const splitter = new LineSplitter(1024);
  const chunk = Buffer.alloc(64 * 1024, "z");
  const out: string[] = [];
  for (let i = 0; i < 1280; i++) splitter.push(chunk, out); // 80 MB
  assert.equal(out.length, 1);
  assert.equal(out[0], "z".repeat(1024) + cutMarker(1024));
  assert.deepEqual(feed(splitter, "tail\nafter\n"), ["after"], "the long line ends at its newline");
});
