/**
 * Talks to a supervisor's control socket directly (HTTP over the unix socket
 * $CORRAL_HOME/<name>.sock): fast enough to poll status in a waitFor, and raw
 * enough to send it garbage. Every call is bounded by a timeout.
 */
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import type { SupervisorSnapshot } from "../../src/status.js";

export interface ControlReply {
  status: number;
  body: string;
  json: any;
}

export function controlPath(home: string, name: string): string {
  return join(home, `${name}.sock`);
}

/** One HTTP request over the socket. `body` is sent as is (it may be anything but valid JSON). */
export function controlRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: http.OutgoingHttpHeaders = {},
  timeoutMs = 10_000,
): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, agent: false, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("error", reject);
      res.on("end", () => {
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: the caller asserts on status/body
        }
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`control ${method} ${path}: no reply within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function controlStatus(socketPath: string): Promise<SupervisorSnapshot> {
  const reply = await controlRequest(socketPath, "GET", "/status");
  if (reply.status !== 200 || !reply.json?.ok) throw new Error(`GET /status failed: HTTP ${reply.status} ${reply.body}`);
  return reply.json.status as SupervisorSnapshot;
}

/** The workers that are a slot's current, ready worker. */
export function readyWorkers(status: SupervisorSnapshot): SupervisorSnapshot["workers"] {
  return status.workers.filter((w) => w.state === "ready" && w.slotState === "running");
}

/** Their pids, in numeric order. */
export function readyPidsOf(status: SupervisorSnapshot): number[] {
  return readyWorkers(status).map((w) => w.pid).sort((a, b) => a - b);
}

/** Pids of the workers that are a slot's current, ready worker. */
export async function readyPids(socketPath: string): Promise<number[]> {
  return readyPidsOf(await controlStatus(socketPath));
}

/**
 * Writes raw bytes on a fresh connection and collects whatever comes back
 * until the server closes it (or `timeoutMs`, after which we close it).
 */
export function rawExchange(socketPath: string, bytes: string | Buffer, timeoutMs = 5_000): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let reply = "";
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (reply += chunk));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.on("connect", () => socket.write(bytes));
  });
}
