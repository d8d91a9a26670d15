/**
 * Binding a TCP socket with SO_REUSEPORT, for `--balance os`. Both sides use it:
 * the primary binds one to hold the port (never listening), each worker binds
 * one and listens on it. Node only offers `reusePort` through `listen()`, which
 * in a cluster worker bypasses `cluster._getServer` (it forces `exclusive`), so
 * an unmodified app's `listen(port)` reaches us without it and we bind here.
 */
import net from "node:net";
import { getSystemErrorName } from "node:util";

/** libuv's uv_tcp_flags (uv.h), stable across libuv 1.x; node passes them to uv_tcp_bind. */
export const UV_TCP_IPV6ONLY = 1;
const UV_TCP_REUSEPORT = 2;

/** The TCP handle (tcp_wrap) as net.Server holds it in `_handle`. */
export interface TcpHandle {
  getsockname(out: Record<string, unknown>): number;
  listen(backlog: number): number;
  close(callback?: () => void): void;
}

type CreateServerHandle = (address: string, port: number, addressType: number, fd: undefined, flags: number) => TcpHandle | number;

/** A bound (not listening) TCP handle with SO_REUSEPORT, or a negative errno. */
export function bindReusePort(address: string, port: number, addressType: number, ipv6Only: boolean): TcpHandle | number {
  // net's own helper (a legacy export): the handle exactly as net.Server builds it before listen().
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  return create(address, port, addressType, undefined, UV_TCP_REUSEPORT | (ipv6Only ? UV_TCP_IPV6ONLY : 0));
}

/** "EADDRINUSE" for -98; EINVAL for an errno libuv does not know. */
export function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(errno);
  } catch {
    return "EINVAL";
  }
}
