// The ring buffer behind `corral logs -n` is bounded by bytes as well as by lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogRecord } from "../../src/logs/record.js";
import { LogRing } from "../../src/logs/ring.js";

const record = (worker: number, msg: string, stream: "stdout" | "stderr" = "stdout"): LogRecord => ({
  time: 0, source: "worker", stream, level: stream === "stderr" ? "error" : "info", worker, pid: 100 + worker, msg,
});

test("keeps at most maxLines records, the newest", () => {
  const ring = new LogRing(5, 1_000_000);
  for (let i = 1; i <= 12; i++) ring.push(record(1, `line ${i}`));
  assert.deepEqual(ring.tail(100).map((r) => r.msg), ["line 8", "line 9", "line 10", "line 11", "line 12"]);
});

test("long lines are bounded by bytes, not by count", () => {
  const ring = new LogRing(10_000, 256 * 1024);
  for (let i = 0; i < 100; i++) ring.push(record(1, "x".repeat(64 * 1024)));
  assert.ok(ring.tail(10_000).length <= 4, "4 × 64 KiB fill 256 KiB");
  ring.push(record(1, "short"));
  assert.equal(ring.tail(1)[0]!.msg, "short");
});

test("tail filters by worker and by stderr, oldest first", () => {
  const ring = new LogRing();
  for (let i = 1; i <= 2000; i++) ring.push(record(i % 2 === 0 ? 2 : 1, `line ${i}`, i % 3 === 0 ? "stderr" : "stdout"));
  assert.deepEqual(ring.tail(2, { worker: 2 }).map((r) => r.msg), ["line 1998", "line 2000"]);
  assert.deepEqual(ring.tail(2, { stderr: true }).map((r) => r.msg), ["line 1995", "line 1998"]);
  assert.deepEqual(ring.tail(1, { worker: 1, stderr: true }).map((r) => r.msg), ["line 1995"]);
  assert.equal(ring.tail(0).length, 0);
});
