/**
 * GET /events: server-sent events for the dashboard.
 *
 *   event: snapshot      the full /status snapshot, on connect and every second
 *   event: <name>        one per supervisor event (worker-exit, reload-done, …),
 *                        data = {"time": <ms since epoch>, ...payload}
 *   : ping               a comment every 15 s, so proxies keep the stream open
 *
 * One timer and one set of supervisor listeners serve every client; the timer
 * runs only while someone listens. A client that stops reading is dropped
 * rather than buffered without bound.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CorralEventName } from "../status.js";
import type { AdminSupervisor } from "./supervisor.js";

/** Every supervisor event; a Record so that a new event in CorralEvents fails to compile until it is listed. */
const STREAMED: Record<CorralEventName, true> = {
  "worker-fork": true, "worker-ready": true, "worker-exit": true, "worker-restart": true, "worker-errored": true,
  "worker-hung": true, "worker-memory": true, "worker-unhealthy": true, "worker-recycled": true, "reload-start": true, "reload-done": true, "reload-failed": true,
  scale: true, shutdown: true, stopped: true,
};
const EVENT_NAMES = Object.keys(STREAMED) as CorralEventName[];
const SNAPSHOT_EVERY_MS = 1000;
const PING_EVERY_MS = 15_000;
/** A dashboard reads a few KB a second; a client this far behind is gone or stuck. */
const MAX_BUFFERED = 1024 * 1024;
/** Streams are held open: at most half the admin server's connections, so probes and scrapes still get in. */
export const MAX_STREAMS = 32;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private snapshotTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Map<CorralEventName, (payload: object) => void>();

  constructor(private readonly corral: AdminSupervisor) {
    for (const name of EVENT_NAMES) {
      const listener = (payload: object): void => {
        if (this.clients.size > 0) this.broadcast(frame(name, { time: Date.now(), ...payload }));
      };
      this.listeners.set(name, listener);
      corral.on(name, listener);
    }
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= MAX_STREAMS) {
      res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "5", connection: "close" });
      return void res.end(JSON.stringify({ ok: false, error: `${MAX_STREAMS} event streams are open already`, code: "CORRAL_ERR_BUSY" }));
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx buffers proxied responses unless told not to.
      "x-accel-buffering": "no",
    });
    res.write(`retry: 2000\n${frame("snapshot", this.corral.snapshot())}`);
    req.socket.setNoDelay(true);
    this.clients.add(res);
    const drop = (): void => this.remove(res);
    res.on("close", drop);
    res.on("error", drop);
    this.startTimers();
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    for (const [name, listener] of this.listeners) this.corral.off(name, listener);
    this.listeners.clear();
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopTimers();
  }

  private remove(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stopTimers();
  }

  private broadcast(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        this.remove(res);
      } else res.write(text);
    }
  }

  private startTimers(): void {
    if (this.snapshotTimer) return;
    this.snapshotTimer = setInterval(() => this.broadcast(frame("snapshot", this.corral.snapshot())), SNAPSHOT_EVERY_MS);
    this.pingTimer = setInterval(() => this.broadcast(": ping\n\n"), PING_EVERY_MS);
    // Open dashboards must not keep the supervisor alive once everything else has stopped.
    this.snapshotTimer.unref();
    this.pingTimer.unref();
  }

  private stopTimers(): void {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.snapshotTimer = this.pingTimer = null;
  }
}

/** JSON has no raw newlines, so one data line per event is enough. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
