/**
 * Per-request figures without app changes: requests served, in flight and a
 * latency histogram, measured on every HTTP server that listens through corral.
 *
 * Hot path: one listener prepended to "request" and one "close" listener per
 * response, both shared functions (no closure per request), a Set for the
 * in-flight responses (drain needs them to send `Connection: close`).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { LATENCY_BUCKETS_MS } from "../protocol.js";

const kStart = Symbol("corral.start");
type TimedResponse = ServerResponse & { [kStart]?: number };

export class HttpStats {
  readonly inflight = new Set<ServerResponse>();
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
    this.inflight.add(res);
    if (this.draining) res.shouldKeepAlive = false;
    res.on("close", this.onResponseClose);
  };

  /** Runs with the response as `this`, so no closure is made per request. */
  private readonly onResponseClose: (this: ServerResponse) => void;

  constructor() {
    const stats = this;
    this.onResponseClose = function (this: ServerResponse) {
      stats.inflight.delete(this);
      stats.requests++;
      const ms = performance.now() - ((this as TimedResponse)[kStart] ?? performance.now());
      stats.latencySumMs += ms;
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[bucket]!) bucket++;
      stats.latencyCounts[bucket]!++;
      if (stats.closingIdle) {
        // A keep-alive response that finished during drain: its socket is idle now, let it go.
        (this.socket as { server?: HttpServer } | null)?.server?.closeIdleConnections?.();
      }
      if (stats.inflight.size === 0 && stats.idleWaiters.length > 0) for (const resolve of stats.idleWaiters.splice(0)) resolve();
    };
  }

  instrument(server: object): void {
    if (this.instrumented.has(server)) return;
    if (typeof (server as HttpServer).closeIdleConnections !== "function") return; // not an HTTP server
    this.instrumented.add(server);
    (server as HttpServer).prependListener("request", this.onRequest);
  }

  /** Tell in-flight requests' clients to reconnect rather than reuse the connection. */
  startDraining(): void {
    this.draining = true;
    for (const res of this.inflight) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  /** Resolves when no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
