/** Log files and the output path's load tests. */
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";

const MB = 1024 * 1024;

/** A log file's text so far; "" while it does not exist yet (tests poll for lines to appear). */
export function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A log file's size in bytes; 0 while it does not exist yet. */
export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * At most `max` bytes of a log file from byte `offset` on. A load test's file can outgrow what one
 * string may hold (~512 MB: readFileSync then throws, and a poll that reads the whole file never sees
 * its new lines), so tests that load the app read only what came after a point.
 */
export function readLogFrom(file: string, offset: number, max = 1024 * 1024): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(max);
    const read = readSync(fd, buffer, 0, max, offset);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * What the primary may grow by while a log reader is stalled and the app logs 4 KiB lines as fast as the
 * test's client asks (~6 MB/s): --log-buffer per stalled destination, the ring buffer (2 MB), and the
 * heap V8 keeps for the garbage of those lines. Measured over 20 s of stalled-reader.test.ts (with a
 * log file as well): +48 MB on Node 20, +49 MB on Node 22, +63 MB on Node 24. Before the bound existed
 * the primary held every unwritten line: +326 MB in 20 s on Node 20, growing by ~15 MB/s.
 */
export const RSS_GROWTH_BOUND = 100 * MB;

/**
 * The supervisor under such a test runs with a small young generation, so that its RSS measures what it
 * holds, not how much garbage V8 lets pile up before collecting: left to itself, Node 24 grew heapTotal to
 * 145 MB with 21 MB in use, and the RSS growth varied from +92 to +134 MB from run to run.
 */
export const STEADY_HEAP_ENV: Readonly<Record<string, string>> = { NODE_OPTIONS: "--max-semi-space-size=2" };
