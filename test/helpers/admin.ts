/**
 * Starts corral with the admin server on a free loopback port and finds that
 * port through the control socket (GET /status → admin). Also a tiny
 * server-sent-events client for /events.
 */
import http from "node:http";
import type { SupervisorSnapshot } from "../../src/status.js";
import { controlPath, controlStatus, readyWorkers } from "./control-socket.js";
import { startCorral, waitFor, type CorralProcess, type RunOptions } from "./corral.js";

export interface AdminCorral {
  corral: CorralProcess;
  /** The app's port (the fixture prints it). */
  appPort: number;
  /** The admin server's URL and port. */
  url: string;
  adminPort: number;
  socket: string;
}

export async function startWithAdmin(
  entry: string,
  options: { workers: number; name: string; args?: string[]; admin?: string; run?: RunOptions },
): Promise<AdminCorral> {
  const corral = startCorral(
    ["start", entry, "-w", String(options.workers), "--name", options.name, "--admin", options.admin ?? "127.0.0.1:0", ...(options.args ?? [])],
    options.run,
  );
  const appPort = await corral.ready(options.workers, 30_000);
  const socket = controlPath(corral.home, options.name);
  const snapshot = await waitFor(async () => {
    try {
      const status = await controlStatus(socket);
      return status.admin ? status : null;
    } catch {
      return null;
    }
  }, `the admin URL in the status\n${corral.output}`, 15_000);
  const url = snapshot.admin!;
  return { corral, appPort, url, adminPort: Number(new URL(url).port), socket };
}

export interface SseEvent {
  event: string;
  data: any;
}

export interface SseClient {
  readonly events: SseEvent[];
  readonly comments: string[];
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  next(predicate: (e: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens GET `path` as an event stream; resolves once the response headers arrived. */
export function openEvents(port: number, path = "/events", headers: http.OutgoingHttpHeaders = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { accept: "text/event-stream", ...headers }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")) });
        }
      });
      res.on("error", () => {});
      resolve({
        events,
        comments,
        status: res.statusCode ?? 0,
        headers: res.headers,
        next: (predicate, what, timeoutMs = 15_000) => waitFor(() => events.find(predicate), what, timeoutMs),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

export function readySlots(status: SupervisorSnapshot): number[] {
  return readyWorkers(status).map((w) => w.id);
}
