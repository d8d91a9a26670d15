/**
 * Every `server.listen()` the app makes, including the ones that do not reach
 * corral's primary: a unix socket path or an inherited fd/handle (node's own
 * cluster path answers those), `exclusive: true` and `reusePort: true` (net
 * binds the socket in the worker itself). corral does not balance those
 * "pass-through" servers, but they count for readiness (the worker is ready once
 * every listen the app started has settled) and are closed on drain like the rest.
 */
import net, { type Server } from "node:net";

export class ListenWatch {
  /** Servers whose listen() has not settled yet (no "listening" or "error" so far). */
  private readonly starting = new Set<Server>();
  /** Listening servers that did not go through the primary. */
  readonly passThrough = new Set<Server>();

  constructor(
    /** True for a server listening through the primary (or on the port it holds, `--balance os`). */
    private readonly throughPrimary: (server: Server) => boolean,
    /** A listen settled, either way. */
    private readonly onSettled: () => void,
  ) {}

  get pendingCount(): number {
    return this.starting.size;
  }

  install(): void {
    const original = net.Server.prototype.listen;
    const watch = this;
    net.Server.prototype.listen = function listen(this: Server, ...args: unknown[]): Server {
      // A synchronous throw (bad arguments, already listening) leaves nothing to watch.
      const result = (original as (...a: unknown[]) => Server).apply(this, args);
      watch.started(this);
      return result;
    } as typeof original;
  }

  private started(server: Server): void {
    if (this.starting.has(server)) return;
    this.starting.add(server);
    const settle = (): void => {
      server.off("listening", onListening);
      server.off("error", onError);
      this.starting.delete(server);
      this.onSettled();
    };
    const onListening = (): void => {
      if (!this.throughPrimary(server) && !this.passThrough.has(server)) {
        this.passThrough.add(server);
        server.once("close", () => this.passThrough.delete(server));
      }
      settle();
    };
    const onError = (error: unknown): void => {
      settle();
      // We only watch: an app without an error listener must still get node's uncaught 'error' throw.
      if (server.listenerCount("error") === 0) throw error;
    };
    server.once("listening", onListening);
    server.once("error", onError);
  }
}
