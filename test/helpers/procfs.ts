/**
 * What a process holds, read from /proc (Linux): its open fds and the TCP
 * sockets it listens on, so a test can say "this signal opened no socket".
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Open file descriptors of `pid`. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Socket inodes among `pid`'s fds. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}

/** "local-address:port" (hex, as /proc prints it) of every TCP socket `pid` listens on, IPv4 and IPv6. */
export function listeningSockets(pid: number): string[] {
  const mine = socketInodes(pid);
  const found: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode: state 0A is LISTEN.
      if (fields[3] === "0A" && mine.has(fields[9]!)) found.push(`${table} ${fields[1]}`);
    }
  }
  return found.sort();
}

/** Port of a /proc address "0100007F:2405" → 9229. */
export function portOf(entry: string): number {
  return parseInt(entry.slice(entry.lastIndexOf(":") + 1), 16);
}
