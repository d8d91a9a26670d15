// Closing the log files at exit waits for their queued writes, up to a deadline for a stuck disk; a file
// whose writes already failed (a full disk) has nothing left to wait for and must not cost that deadline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogFiles } from "../../src/logs/files.js";
import { waitFor } from "../helpers/corral.js";

test("close() returns at once for a file whose writes failed (ENOSPC), not after the close deadline", async () => {
  const failures: string[] = [];
  const files = new LogFiles(
    { logFile: "/dev/full", errorFile: null, name: "full", limit: 1024 * 1024, sources: { logFile: "--log-file", errorFile: "--error-file" } },
    { notice: (count) => `${count} lines dropped`, failed: (_path, error) => void failures.push((error as NodeJS.ErrnoException).code ?? error.message) },
  );
  files.open();
  const file = files.acquireFor("stdout", { worker: 1, pid: process.pid })!;
  file.writer.add("a line for a full disk\n");
  file.writer.flush();
  await waitFor(() => failures.includes("ENOSPC"), "the write to fail with ENOSPC", 5_000);
  const began = Date.now();
  const alive = setInterval(() => {}, 1_000); // close()'s own timer is unref'd: keep the test running past it
  try {
    await files.close(3_000);
  } finally {
    clearInterval(alive);
  }
  assert.ok(Date.now() - began < 1_000, `close() took ${Date.now() - began} ms`);
});
