/**
 * Raw client connections for the acceptor tests: bursts opened all at once,
 * clients that wait for their answer, clients that connect and reset, and what
 * the primary spends meanwhile (fds and CPU, read from /proc).
 */
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

const REQUEST = "GET / HTTP/1.1\r\nHost: corral\r\nConnection: close\r\n\r\n";

/** The soft limit on open files of this process (the test client holds one fd per connection). */
export function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return !match || match[1] === "unlimited" ? 1 << 20 : Number(match[1]);
}

/** How many connections a test can open at once here: `wanted`, or fewer under a low fd limit. */
export function affordable(wanted: number): number {
  return Math.max(100, Math.min(wanted, openFileLimit() - 200));
}

export interface Waiting {
  openedAt: number;
  closedAt: number | null;
  reply: string;
  closed: Promise<void>;
}

/** A raw connection that sends one request and records when (and whether) the server answered or closed it. */
export async function waitingRequest(port: number, lifetimeMs = 30_000): Promise<Waiting> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const entry: Waiting = { openedAt: Date.now(), closedAt: null, reply: "", closed: Promise.resolve() };
  entry.closed = new Promise<void>((resolve) => {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (entry.reply += chunk));
    socket.on("error", () => {}); // ECONNRESET: the primary closed a connection it never handed off
    socket.on("close", () => {
      entry.closedAt = Date.now();
      resolve();
    });
  });
  socket.write(REQUEST);
  // The test ends these itself if they outlive it.
  setTimeout(() => socket.destroy(), lifetimeMs).unref();
  return entry;
}

export interface BurstResult {
  answered: number;
  failed: number;
  /** A few failures, each with what it was. */
  failures: string[];
}

/**
 * Opens `count` connections at once (all connect() calls in one tick), each sending one
 * request with `Connection: close`; resolves when every one was answered or failed.
 */
export function burst(port: number, count: number, timeoutMs = 60_000): Promise<BurstResult> {
  const result: BurstResult = { answered: 0, failed: 0, failures: [] };
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      let reply = "";
      let error = "";
      socket.setEncoding("utf8");
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error("timed out")));
      socket.on("connect", () => socket.write(REQUEST));
      socket.on("data", (chunk: string) => (reply += chunk));
      socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on("close", () => {
        if (reply.startsWith("HTTP/1.1 200")) result.answered++;
        else {
          result.failed++;
          if (result.failures.length < 10) result.failures.push(error || `closed after ${JSON.stringify(reply.slice(0, 40))}`);
        }
        resolve();
      });
    });
  const all: Promise<void>[] = [];
  for (let i = 0; i < count; i++) all.push(one());
  return Promise.all(all).then(() => result);
}

/** Opens `count` connections that reset (RST) as soon as they are established, `batch` at a time. */
export async function resetFlood(port: number, count: number, batch = 200): Promise<void> {
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => resolve());
      socket.on("connect", () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
  for (let done = 0; done < count; done += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - done) }, one));
  }
}

/** Open file descriptors of process `pid`. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU seconds (user + system) process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/PID/stat, in clock ticks (USER_HZ = 100 on Linux); the name field may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
