/**
 * `--balance os`: the kernel balances, so the primary owns no listening socket.
 * Each worker binds its own socket with SO_REUSEPORT and listens on it; Linux
 * spreads new connections over the listening sockets of the group.
 *
 * The primary still *holds the port*: it binds one SO_REUSEPORT socket to
 * (address, port) and never calls listen() on it. Only listening sockets take
 * part in the kernel's balancing, so this one receives no connection, but it
 * - resolves port 0 once, so every worker binds the same port (all of them are
 *   told the reserved port; nobody has to wait for a "first" worker);
 * - keeps the port ours while workers restart, reload or all crash at once;
 * - reports EADDRINUSE/EACCES to the listening worker as the shared path does;
 * - gives `status` the address even before a worker listens.
 * It has the same verbs as `Acceptor`, so `Acceptors` treats both alike.
 */
import { readFileSync } from "node:fs";
import type { ListenRequest, SockName } from "../protocol.js";
import { bindReusePort, errnoCode, type TcpHandle } from "../reuse-port-bind.js";
import type { ManagedWorker } from "./managed-worker.js";

export class ReservedPort {
  sockname: SockName | null = null;
  readonly workers = new Set<ManagedWorker>();
  private handle: TcpHandle | null = null;

  constructor(readonly request: ListenRequest) {}

  open(): Promise<SockName> {
    const { address, port, addressType, ipv6Only } = this.request;
    // No address: node's listen() tries the IPv6 wildcard (dual stack) first and falls back to IPv4.
    let result = address === null ? bindReusePort("::", port, 6, ipv6Only) : bindReusePort(address, port, addressType, ipv6Only);
    if (typeof result === "number" && address === null) result = bindReusePort("0.0.0.0", port, 4, false);
    if (typeof result === "number") return Promise.reject(errnoError(result));
    const out: Record<string, unknown> = {};
    const err = result.getsockname(out);
    if (err !== 0) {
      result.close();
      return Promise.reject(errnoError(err));
    }
    this.handle = result;
    this.sockname = { address: out.address as string, port: out.port as number, family: out.family as string };
    return Promise.resolve(this.sockname);
  }

  add(worker: ManagedWorker): void {
    this.workers.add(worker);
  }

  remove(worker: ManagedWorker): void {
    this.workers.delete(worker);
  }

  // The kernel picks workers: there is nothing to recompute.
  refresh(): void {}

  get queued(): number {
    return 0;
  }

  close(): void {
    this.handle?.close();
    this.handle = null;
  }
}

function errnoError(errno: number): NodeJS.ErrnoException {
  const code = errnoCode(errno);
  const error = new Error(`bind failed: ${code}`) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

/**
 * When a worker closes its SO_REUSEPORT socket (drain, reload, scale down), Linux resets the
 * connections still waiting in that socket's accept queue, unless net.ipv4.tcp_migrate_req
 * (Linux >= 5.14) moves them to another socket of the group. A warning for the log, or null.
 */
export function reusePortDrainWarning(readSysctl: () => string = () => readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8")): string | null {
  let value: string;
  try {
    value = readSysctl().trim();
  } catch {
    return null; // not Linux, or a kernel without the knob: nothing we can advise
  }
  if (value !== "0") return null;
  return "--balance os: net.ipv4.tcp_migrate_req is 0, so a worker that drains (reload, scale down, stop) resets " +
    "connections still queued on its socket; set it to 1 (sysctl -w net.ipv4.tcp_migrate_req=1) for reloads without failed connections";
}
