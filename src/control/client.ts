/**
 * The CLI's end of the control socket: HTTP over $CORRAL_HOME/<name>.sock, in
 * whichever of the candidate folders it is (paths.ts): a supervisor started by
 * systemd is found from a login shell, whose XDG_RUNTIME_DIR points elsewhere.
 * Folders another user owns are not trusted and not looked in.
 *
 * A socket file nobody answers on (ECONNREFUSED) belongs to a supervisor that
 * died without cleaning up (SIGKILL, OOM); we remove it so the next
 * `corral start` with that name and the next `corral status` see a clean home
 * (unless a live process holds the name's lock: a supervisor starting up).
 */
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import http from "node:http";
import { basename, dirname, join } from "node:path";
import { lockHolder } from "./name-lock.js";
import { candidateHomes, untrustedHome } from "./paths.js";
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
  /**
   * For replies that are a file (application/octet-stream: `corral profile` and the like): piped into
   * `sink`; the reply resolves with `{ ok: true, file }` (the name the supervisor gave) once all is written.
   */
  sink?: NodeJS.WritableStream;
}

/** Longest streamed line the CLI takes (a record holds at most a 64 KiB line, escaped). */
const MAX_STREAMED_LINE = 1024 * 1024;

/** Connection failures that mean "no supervisor behind this path". */
const GONE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK"]);

export async function callControl(name: string, request: ControlRequest, env: NodeJS.ProcessEnv = process.env): Promise<ControlReply> {
  for (const home of trustedHomes(env)) {
    const path = join(home, `${name}.sock`);
    if (!existsSync(path)) continue;
    try {
      return await callAt(path, name, request);
    } catch (error) {
      if (!(error instanceof CorralError && error.code === "CORRAL_ERR_NOT_RUNNING")) throw error;
    }
  }
  throw notRunning(name);
}

/** The candidate folders this user may trust; an explicit CORRAL_HOME that is not trusted is an error. */
function trustedHomes(env: NodeJS.ProcessEnv): string[] {
  const homes = candidateHomes(env);
  const problem = env.CORRAL_HOME ? untrustedHome(env.CORRAL_HOME) : null;
  if (problem) throw new CorralError("CORRAL_ERR_CONTROL", `CORRAL_HOME: ${problem}`);
  return homes.filter((home) => untrustedHome(home) === null);
}

async function callAt(path: string, name: string, request: ControlRequest): Promise<ControlReply> {
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
        if (request.sink && res.statusCode === 200 && res.headers["content-type"] === "application/octet-stream") {
          const file = String(res.headers["x-corral-file"] ?? "");
          res.on("error", reject);
          request.sink.on("error", reject);
          request.sink.on("finish", () => resolve({ status: 200, body: { ok: true, file } }));
          res.pipe(request.sink);
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
  if (lockHolder(dirname(path), basename(path, ".sock")) !== null) return; // a supervisor is starting there
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

/** The sockets in every candidate folder (live or not: the caller asks each one), one per name. */
export function listSockets(env: NodeJS.ProcessEnv = process.env): SupervisorEntry[] {
  const found = new Map<string, SupervisorEntry>();
  for (const home of trustedHomes(env)) {
    let files: string[];
    try {
      files = readdirSync(home);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new CorralError("CORRAL_ERR_CONTROL", `cannot read ${home}: ${(error as Error).message}`, { cause: error });
    }
    for (const file of files) {
      const name = file.slice(0, -".sock".length);
      if (file.endsWith(".sock") && !found.has(name)) found.set(name, { name, path: join(home, file) });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
