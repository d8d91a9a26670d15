/**
 * File descriptors kept for the app. The primary's fds carry the app: its
 * listening sockets, every connection between accept and hand-off, the queue
 * of connections waiting for a worker, the workers' IPC pipes. When the process
 * reaches RLIMIT_NOFILE, accept() fails with EMFILE and libuv closes the app's
 * new connections at once. The admin server is the one part of the primary that
 * anyone who can reach its port can make hold fds, so it steps aside first:
 * while fewer than `reserve` fds are left under the limit, it takes no new
 * connection (server.ts closes it at once).
 *
 * Linux only (/proc/self); elsewhere there is no reading and nothing is refused,
 * and the admin server's connection cap is the only bound.
 */
import { readdirSync, readFileSync } from "node:fs";

/** How long one reading of the fd count is trusted: a flood of connections must not become a flood of readdirs. */
const SAMPLE_MS = 200;

export interface FdReading {
  /** The soft RLIMIT_NOFILE (node raises it to the hard limit at start-up). */
  limit(): number | null;
  open(): number | null;
}

const procfs: FdReading = {
  limit() {
    try {
      const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
      return match && match[1] !== "unlimited" ? Number(match[1]) : null;
    } catch {
      return null;
    }
  },
  open() {
    try {
      return readdirSync("/proc/self/fd").length;
    } catch {
      return null;
    }
  },
};

/** The reserve for a limit: 256 fds, or a quarter of a smaller limit. */
export function reserveFor(limit: number): number {
  return Math.min(256, Math.floor(limit / 4));
}

export class FdReserve {
  private sampledAt = -Infinity;
  private short = false;

  constructor(
    private readonly reading: FdReading = procfs,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while the process has fewer than its reserve of fds left (read at most every SAMPLE_MS). */
  isShort(): boolean {
    const now = this.now();
    if (now - this.sampledAt >= SAMPLE_MS) {
      this.sampledAt = now;
      const limit = this.reading.limit();
      const open = limit === null ? null : this.reading.open();
      this.short = limit !== null && open !== null && limit - open < reserveFor(limit);
    }
    return this.short;
  }
}
