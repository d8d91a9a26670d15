/**
 * The CLI's end of the control socket: HTTP over $CORRAL_HOME/<name>.sock.
 *
 * A socket file nobody answers on (ECONNREFUSED) belongs to a supervisor that
 * died without cleaning up (SIGKILL, OOM); we remove it so the next
 * `corral start` with that name and the next `corral status` see a clean home.
 */
import { readdirSync, unlinkSync } from "node:fs";
import http from "node:http";
import { corralHome, socketPath } from "./paths.js";
import { CorralError, notRunning, type CorralErrorCode } from "../errors.js";
import { LineSplitter } from "../logs/line-splitter.js";

/** The content type of streamed replies: one JSON value per line. */
export const NDJSON = "application/x-ndjson";

export interface ControlReply {
  status: number;
  body: Record<string, unknown>;
}

export interface ControlRequest {
  method: "GET" | "POST";
  path: string;
  body?: Record<string, unknown>;
  /** No reply within this many ms is an error; reloads wait as long as they take (0). */
  timeoutMs?: number;
  /**
   * For replies streamed as JSON lines (`GET /logs`): each line as it arrives; the reply
   * then resolves with `{ ok: true }` when the supervisor ends the stream.
   */
  onLine?: (line: string) => void;
}

/** Longest streamed line the CLI takes (a record holds at most a 64 KiB line, escaped). */
const MAX_STREAMED_LINE = 1024 * 1024;

/** Connection failures that mean "no supervisor behind this path". */
const GONE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK"]);

export async function callControl(name: string, request: ControlRequest, env: NodeJS.ProcessEnv = process.env): Promise<ControlReply> {
  const path = socketPath(name, env);
  try {
    return await send(path, request);
  } catch (first) {
    let error = first;
    // bind() and listen() are two steps: a supervisor starting this instant refuses for a moment.
    // Ask again before calling its socket stale and removing it.
    if ((error as NodeJS.ErrnoException).code === "ECONNREFUSED") {
      await new Promise((resolve) => setTimeout(resolve, 100));
      try {
        return await send(path, request);
      } catch (second) {
        error = second;
      }
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && GONE.has(code)) {
      if (code === "ECONNREFUSED") removeStale(path);
      throw notRunning(name);
    }
    if (code === "EACCES") {
      throw new CorralError("CORRAL_ERR_CONTROL", `permission denied on ${path}: the supervisor "${name}" belongs to another user`);
    }
    if (error instanceof CorralError) throw error;
    throw new CorralError("CORRAL_ERR_CONTROL", `control socket ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Throws the supervisor's own error (with its code) for a `{ ok: false }` reply. */
export function unwrap(reply: ControlReply): Record<string, unknown> {
  if (reply.body.ok === true) return reply.body;
  const code = typeof reply.body.code === "string" ? (reply.body.code as CorralErrorCode) : "CORRAL_ERR_CONTROL";
  const message = typeof reply.body.error === "string" ? reply.body.error : `control request failed with HTTP ${reply.status}`;
  throw new CorralError(code, message);
}

function send(path: string, request: ControlRequest): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const req = http.request(
      {
        socketPath: path,
        method: request.method,
        path: request.path,
        agent: false,
        headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        if (request.onLine && res.statusCode === 200 && String(res.headers["content-type"]).startsWith(NDJSON)) {
          const splitter = new LineSplitter(MAX_STREAMED_LINE);
          const onLine = request.onLine;
          res.on("data", (chunk: Buffer) => splitter.push(chunk).forEach(onLine));
          res.on("error", reject);
          res.on("end", () => {
            splitter.end().forEach(onLine);
            resolve({ status: 200, body: { ok: true } });
          });
          return;
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("error", reject);
        res.on("end", () => {
          try {
            const body: unknown = JSON.parse(text);
            if (typeof body !== "object" || body === null) throw new Error("not an object");
            resolve({ status: res.statusCode ?? 0, body: body as Record<string, unknown> });
          } catch {
            reject(new CorralError("CORRAL_ERR_CONTROL", `the supervisor at ${path} sent a reply that is not JSON (HTTP ${res.statusCode})`));
          }
        });
      },
    );
    if (request.timeoutMs) {
      req.setTimeout(request.timeoutMs, () => req.destroy(new CorralError("CORRAL_ERR_CONTROL", `no reply from ${path} within ${request.timeoutMs} ms`)));
    }
    req.on("error", reject);
    req.end(payload);
  });
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Someone else cleaned it up, or a new supervisor is binding it right now.
  }
}

export interface SupervisorEntry {
  name: string;
  path: string;
}

/** Names of the sockets in $CORRAL_HOME (live or not: the caller asks each one). */
export function listSockets(env: NodeJS.ProcessEnv = process.env): SupervisorEntry[] {
  const home = corralHome(env);
  let files: string[];
  try {
    files = readdirSync(home);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new CorralError("CORRAL_ERR_CONTROL", `cannot read ${home}: ${(error as Error).message}`, { cause: error });
  }
  return files
    .filter((file) => file.endsWith(".sock"))
    .map((file) => ({ name: file.slice(0, -".sock".length), path: socketPath(file.slice(0, -".sock".length), env) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
