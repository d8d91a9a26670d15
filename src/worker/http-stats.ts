/**
 * Per-request figures without app changes: requests served, in flight and a
 * latency histogram, measured on every HTTP server that listens through corral.
 *
 * Hot path: one listener prepended to "request" and one "close" listener per
 * response, both shared functions (no closure per request), and counters.
 * Nothing is kept per request or per connection: a Set of in-flight responses
 * cost ~4 % of a hello-world worker's throughput (V8 gives an object an
 * identity hash on its first use as a key), and tracking connections ourselves
 * cost ~1 % of a connection-per-request worker. Drain, the one reader, finds
 * the in-flight responses in node's own connection list instead.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { LATENCY_BUCKETS_MS } from "../protocol.js";

const kStart = Symbol("corral.start");
type TimedResponse = ServerResponse & { [kStart]?: number };
/** node's http server keeps the response being written on its socket (`_httpMessage`, since Node 0.x). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * The sockets of an http.Server's open connections, from node's own list (`kConnections`, a
 * ConnectionsList of parsers, made on "listening", in every Node corral supports). The symbol is not exported,
 * so it is found by its description; without it (a future node) this returns nothing and drain
 * still closes each connection once it is idle (docs/internals.md).
 */
function openSockets(server: HttpServer): HttpSocket[] {
  const list = connectionsList(server);
  return list ? list.all().flatMap((parser) => (parser.socket ? [parser.socket] : [])) : [];
}

/** node's list of a listening http.Server's connections, or null (checked at start-up: node-internals.ts). */
export function connectionsList(server: HttpServer): { all(): Array<{ socket?: HttpSocket | null }> } | null {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === "http.server.connections");
  const list = key ? (server as unknown as Record<symbol, { all?: () => Array<{ socket?: HttpSocket | null }> }>)[key] : undefined;
  return typeof list?.all === "function" ? (list as { all(): Array<{ socket?: HttpSocket | null }> }) : null;
}

export class HttpStats {
  /** Requests started and not finished (a response closes when sent, or when its connection dies). */
  inflight = 0;
  requests = 0;
  readonly latencyCounts: number[] = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencySumMs = 0;
  /** Set when the worker drains: responses then carry `Connection: close`. */
  draining = false;
  /** Set once drain closes idle keep-alive connections: a connection that goes idle then is closed too. */
  closingIdle = false;
  /** Resolved when the last in-flight request finishes (drain runs shutdown hooks then). */
  private idleWaiters: Array<() => void> = [];
  private readonly instrumented = new WeakSet<object>();

  private readonly onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    (res as TimedResponse)[kStart] = performance.now();
    this.inflight++;
    if (this.draining) res.shouldKeepAlive = false;
    res.on("close", this.onResponseClose);
  };

  /** Runs with the response as `this`, so no closure is made per request. */
  private readonly onResponseClose: (this: ServerResponse) => void;

  constructor() {
    const stats = this;
    this.onResponseClose = function (this: ServerResponse) {
      stats.inflight--;
      stats.requests++;
      const ms = performance.now() - ((this as TimedResponse)[kStart] ?? performance.now());
      stats.latencySumMs += ms;
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[bucket]!) bucket++;
      stats.latencyCounts[bucket]!++;
      if (stats.closingIdle) {
        // A keep-alive response that finished during drain: its socket is idle now, let it go. (Not
        // `this.socket`: a finished response is detached from its socket before it emits "close".)
        (this.req?.socket as { server?: HttpServer } | undefined)?.server?.closeIdleConnections?.();
      }
      if (stats.inflight === 0 && stats.idleWaiters.length > 0) for (const resolve of stats.idleWaiters.splice(0)) resolve();
    };
  }

  instrument(server: object): void {
    if (this.instrumented.has(server)) return;
    if (typeof (server as HttpServer).closeIdleConnections !== "function") return; // not an HTTP server
    this.instrumented.add(server);
    (server as HttpServer).prependListener("request", this.onRequest);
  }

  /**
   * Tell in-flight requests' clients to reconnect rather than reuse the connection. (A pipelined
   * response still queued behind the one being written keeps its keep-alive; drain closes the
   * connection once it is idle.)
   */
  startDraining(servers: readonly object[]): void {
    this.draining = true;
    for (const server of servers) {
      if (!this.instrumented.has(server)) continue;
      for (const socket of openSockets(server as HttpServer)) {
        const res = socket._httpMessage;
        if (res && !res.headersSent) res.shouldKeepAlive = false;
      }
    }
  }

  /** Resolves when no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
