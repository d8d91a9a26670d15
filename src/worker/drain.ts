/**
 * Draining a worker, in the spirit of close-with-grace: stop accepting, let
 * in-flight work finish, run the app's shutdown hooks, exit. The primary owns
 * the deadline (it SIGKILLs after --kill-timeout), so a hook that blocks the
 * event loop cannot keep the worker alive; we still arm a local timer so a
 * worker whose primary vanished does not linger.
 *
 * The order matters for zero failed requests:
 * 1. The primary has already stopped routing new connections here; the
 *    servers stop accepting. Every response from now on says `Connection: close`.
 * 2. Keep-alive grace: idle keep-alive connections stay open for a while.
 *    Closing an idle connection races a client that is sending its next request
 *    on it (the request meets a reset, and most clients do not retry); a client
 *    that uses its connection within the grace gets its answer with
 *    `Connection: close` and reconnects — to a live worker. Clients keep idle
 *    connections for less than the server's keepAliveTimeout (that is how they
 *    avoid the same race with the server's own idle timer), so the grace is the
 *    app's keepAliveTimeout (Node's default: 5 s), at most a quarter of the kill
 *    timeout, and ends as soon as no connection is left.
 * 3. Connections still idle after the grace are closed, and each in-flight
 *    one when its response is done.
 * 4. Shutdown hooks run once no request is in flight (a hook that closes the
 *    database must not pull it from under a request), or at half the kill
 *    timeout at the latest, so they get their share of time; long-lived
 *    connections (WebSocket) are the hooks' to close.
 * 5. Exit when every connection is gone.
 */
import net, { type Server } from "node:net";
import { DRAIN_EXIT } from "../drain-exit.js";
import type { HttpStats } from "./http-stats.js";
import type { ShutdownHook } from "./shared-state.js";

/** Node's http.Server keepAliveTimeout default, for servers that report none. */
const DEFAULT_KEEP_ALIVE_MS = 5_000;

export interface DrainTargets {
  servers(): Server[];
  stats: HttpStats;
  hooks: readonly ShutdownHook[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The longest keepAliveTimeout of the HTTP servers; 0 without any (raw TCP has no idle connections to spare). */
function keepAliveTimeout(servers: Server[]): number {
  let longest = 0;
  for (const server of servers) {
    const http = server as Server & { keepAliveTimeout?: number; closeIdleConnections?: unknown };
    if (typeof http.closeIdleConnections !== "function") continue;
    // 0 disables the server's idle timer: idle connections would live forever, so use the default.
    const timeout = typeof http.keepAliveTimeout === "number" && http.keepAliveTimeout > 0 ? http.keepAliveTimeout : DEFAULT_KEEP_ALIVE_MS;
    longest = Math.max(longest, timeout);
  }
  return longest;
}

/**
 * This worker's drain, owned by its runtime (runtime.ts): it runs once per process, since it ends
 * the process; a second order (a SIGTERM during the primary's drain) leaves the first to finish.
 */
export class WorkerDrain {
  private isStarted = false;

  /** A drain began: the worker is no longer ready, and connections still handed over are refused. */
  get started(): boolean {
    return this.isStarted;
  }

  async start(targets: DrainTargets, timeoutMs: number): Promise<never> {
    if (this.isStarted) return new Promise<never>(() => {});
    this.isStarted = true;
    const began = Date.now();
    setTimeout(() => process.exit(DRAIN_EXIT.timedOut), timeoutMs + 1000).unref();

    const servers = targets.servers();
    targets.stats.startDraining(servers);
    // Stop accepting now — with --balance os the kernel would keep handing this worker connections.
    // net's close, not http's: since Node 19 http's also closes idle connections, which step 3 does later.
    const closed = servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          net.Server.prototype.close.call(server, () => resolve());
        }),
    );

    // The keep-alive grace ends early once every connection is gone: that is when net's close calls back.
    await Promise.race([Promise.all(closed), sleep(Math.min(keepAliveTimeout(servers), timeoutMs / 4))]);
    targets.stats.closingIdle = true;
    for (const server of servers) (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();

    await Promise.race([targets.stats.whenIdle(), sleep(began + timeoutMs / 2 - Date.now())]);
    let hookFailed = false;
    await Promise.all(
      targets.hooks.map(async (hook) => {
        try {
          await hook();
        } catch (error) {
          hookFailed = true;
          console.error("[corral] shutdown hook failed:", error);
        }
      }),
    );
    await Promise.all(closed);
    // The exit code tells the primary (and anyone watching) whether the drain was clean.
    process.exit(hookFailed ? DRAIN_EXIT.hookFailed : DRAIN_EXIT.clean);
  }
}
