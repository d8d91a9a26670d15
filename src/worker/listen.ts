/**
 * Listening through the primary.
 *
 * In a node:cluster worker, `server.listen()` calls `cluster._getServer(server,
 * options, cb)` (node's lib/net.js `listenInCluster`). We replace that function:
 * the listen request goes to corral's primary, which owns the real socket, and
 * the server gets a *listen handle* stand-in whose `onconnection` the primary
 * feeds with raw TCP handles — the same shape node's own child side uses for
 * round-robin (lib/internal/cluster/child.js `rr()`), so `address()`, `close()`,
 * `listening` and port 0 behave as without corral.
 *
 * With `--balance os` the primary only holds the port (and resolves port 0);
 * the server then listens on its own SO_REUSEPORT socket (own-listen.ts).
 *
 * Unix socket paths and inherited fds keep node's own cluster path (the primary
 * is a real node:cluster primary, so it answers those itself); `exclusive` and
 * `reusePort` listens never reach `_getServer`. listen-watch.ts counts those.
 */
import cluster from "node:cluster";
import { constants as osConstants } from "node:os";
import type { Server } from "node:net";
import { acceptorKey, type Handoff, type ListenReply, type SockName } from "../protocol.js";
import { sendToPrimary } from "./channel.js";
import { OwnListen } from "./own-listen.js";
import { UV_TCP_IPV6ONLY } from "../reuse-port-bind.js";

type GetServer = (server: Server, options: ListenOptions, cb: (err: number, handle?: unknown) => void) => void;

/** What net.js passes to `cluster._getServer` (address/port/addressType/fd/flags/backlog + listen options). */
interface ListenOptions {
  address?: string | null;
  port?: number;
  addressType?: number;
  fd?: number | null;
  backlog?: number;
  /** libuv bind flags: UV_TCP_IPV6ONLY (1) is how net passes `ipv6Only: true` (Node 20 drops it when no host is given). */
  flags?: number;
  [key: string]: unknown;
}

/** The stand-in for a listening handle; `onconnection` is set by net's setupListenHandle. */
export class PrimaryListenHandle {
  onconnection: ((err: number, clientHandle: unknown) => void) | null = null;
  closed = false;
  constructor(
    readonly key: string,
    readonly server: Server,
    private readonly sockname: SockName,
    private readonly release: (handle: PrimaryListenHandle) => void,
  ) {}
  listen(): number {
    return 0;
  }
  getsockname(out: Record<string, unknown>): number {
    Object.assign(out, this.sockname);
    return 0;
  }
  close(callback?: () => void): void {
    if (!this.closed) {
      this.closed = true;
      this.release(this);
      sendToPrimary({ act: "close", key: this.key });
    }
    if (typeof callback === "function") process.nextTick(callback);
  }
  // The IPC channel keeps the worker alive; ref/unref have nothing to hold.
  ref(): void {}
  unref(): void {}
}

/** A server listening through the primary, or on its own socket (`--balance os`). */
export type ServerListen = PrimaryListenHandle | OwnListen;

interface PendingListen {
  key: string;
  indexKey: string;
  index: number;
  server: Server;
  ipv6Only: boolean;
  cb: (err: number, handle?: unknown) => void;
}

export interface ListenEvents {
  /** A server started listening through the primary (or on its own socket the primary gave it the port of). */
  onListening(listen: ServerListen): void;
  /** A listen request finished (either way); used for readiness. */
  onSettled(): void;
}

export class ListenRegistry {
  readonly handles = new Map<string, ServerListen>();
  private readonly pending = new Map<number, PendingListen>();
  /** Per (address, port, family): which indexes are in use, so a 2nd server on port 0 gets its own acceptor. */
  private readonly indexes = new Map<string, Set<number>>();
  private seq = 0;

  constructor(
    private readonly events: ListenEvents,
    /** `--balance os`: bind our own SO_REUSEPORT socket instead of taking connections from the primary. */
    private readonly reusePort = false,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Hooks `cluster._getServer`, through which net sends every listen() of a cluster worker.
   * Returns false, hooking nothing, on a Node without it: the primary is told (`unsupported`).
   */
  install(): boolean {
    const original = (cluster as unknown as { _getServer?: GetServer })._getServer;
    if (typeof original !== "function") return false;
    const getServer: GetServer = (server, options, cb) => {
      const port = options.port;
      const throughPrimary = typeof port === "number" && port >= 0 && (options.fd == null || options.fd < 0) &&
        (options.addressType === 4 || options.addressType === 6);
      if (!throughPrimary) return original.call(cluster, server, options, cb);
      this.request(server, options, cb);
    };
    (cluster as unknown as { _getServer: GetServer })._getServer = getServer;
    return true;
  }

  private request(server: Server, options: ListenOptions, cb: PendingListen["cb"]): void {
    const address = options.address ?? null;
    const port = options.port as number;
    const addressType = options.addressType as number;
    const indexKey = `${address}:${port}:${addressType}`;
    let used = this.indexes.get(indexKey);
    if (!used) this.indexes.set(indexKey, (used = new Set()));
    let index = 0;
    while (used.has(index)) index++;
    used.add(index);
    const key = acceptorKey(address, port, addressType, index);
    const seq = ++this.seq;
    const ipv6Only = ((options.flags ?? 0) & UV_TCP_IPV6ONLY) !== 0;
    this.pending.set(seq, { key, indexKey, index, server, ipv6Only, cb });
    sendToPrimary({
      act: "listen", seq, key, address, port, addressType,
      backlog: typeof options.backlog === "number" ? options.backlog : 511,
      ipv6Only,
    });
  }

  /** The primary's answer to a listen request. */
  settle(reply: ListenReply): void {
    const pending = this.pending.get(reply.seq);
    if (!pending) return;
    this.pending.delete(reply.seq);
    if (reply.error !== null || reply.sockname === null) {
      this.release(pending);
      // net turns a negative errno into the usual EADDRINUSE/EACCES error on the server.
      const errno = (osConstants.errno as Record<string, number>)[reply.error ?? "EINVAL"] ?? osConstants.errno.EINVAL;
      pending.cb(-errno);
    } else if (this.reusePort) {
      this.listenOwn(pending, reply.sockname);
    } else {
      const handle = new PrimaryListenHandle(pending.key, pending.server, reply.sockname, () => this.release(pending));
      this.handles.set(pending.key, handle);
      pending.cb(0, handle);
      this.events.onListening(handle);
    }
    this.events.onSettled();
  }

  private listenOwn(pending: PendingListen, sockname: SockName): void {
    const own = OwnListen.bind(pending.key, pending.server, sockname, pending.ipv6Only, () => this.release(pending));
    if (typeof own === "number") {
      this.release(pending);
      sendToPrimary({ act: "close", key: pending.key });
      return pending.cb(own);
    }
    this.handles.set(pending.key, own);
    // net's listenOnPrimaryHandle adopts the bound handle and calls listen() on it.
    pending.cb(0, own.handle);
    if (!own.closed) this.events.onListening(own);
  }

  /** A server stopped listening (or never did): forget it and free its index for the next listen. */
  private release(pending: PendingListen): void {
    this.handles.delete(pending.key);
    const used = this.indexes.get(pending.indexKey);
    used?.delete(pending.index);
    if (used && used.size === 0) this.indexes.delete(pending.indexKey);
  }

  /** Whether `server` listens through the primary (or on the port it holds). */
  serves(server: Server): boolean {
    for (const handle of this.handles.values()) if (handle.server === server) return true;
    return false;
  }

  /** Open connections over every server listening through the primary. */
  connectionCount(): number {
    let total = 0;
    for (const handle of this.handles.values()) total += (handle.server as unknown as { _connections: number })._connections;
    return total;
  }

  /**
   * A connection handed off by the primary. Accept it unless the server is gone
   * or closing, in which case the primary re-distributes it (as node's child.js does).
   */
  accept(message: Handoff, clientHandle: unknown, refusing: boolean): void {
    const listen = this.handles.get(message.key);
    const handle = listen instanceof PrimaryListenHandle ? listen : undefined;
    const server = handle?.server as (Server & { _connections: number }) | undefined;
    let accepted = handle !== undefined && !handle.closed && handle.onconnection !== null && !refusing;
    // A full server refuses: the primary tries the other workers, then closes it as node would.
    if (accepted && server && atConnectionLimit(server)) accepted = false;
    sendToPrimary({ act: "ack", seq: message.seq, accepted, connections: this.connectionCount() + (accepted ? 1 : 0) });
    if (accepted) handle!.onconnection!(0, clientHandle);
    else (clientHandle as { close(): void } | undefined)?.close();
  }
}

/**
 * net's own `maxConnections` rule for the running Node (lib/net.js onconnection):
 * Node 20 checks `maxConnections &&`, so 0 means no limit; from Node 21 it checks
 * `maxConnections != null`, so 0 refuses every connection.
 */
const ZERO_REFUSES_ALL = Number(process.versions.node.split(".")[0]) >= 21;

function atConnectionLimit(server: Server & { _connections: number }): boolean {
  const max = server.maxConnections as number | null | undefined;
  if (max == null || (max === 0 && !ZERO_REFUSES_ALL)) return false;
  return server._connections >= max;
}
