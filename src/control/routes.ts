/**
 * The control API, shared by the control socket and the admin HTTP server:
 * GET /status, POST /reload, POST /scale {"workers": N}, POST /stop,
 * GET /logs and POST /logs/reopen (logs-route.ts), POST /send {"topic", "data", "worker"?},
 * POST /diagnose and POST /inspect (diagnose-route.ts), POST /upgrade {"node"?} (cli/upgrade-handover.ts).
 * Replies are JSON: `{ ok: true, ... }` or `{ ok: false, error, code }`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CorralError } from "../errors.js";
import { pidNamespace } from "../pid-namespace.js";
import type { Corral } from "../primary/corral.js";
import { serveDiagnostic, serveInspect } from "./diagnose-route.js";
import { serveLogs } from "./logs-route.js";

const MAX_BODY = 64 * 1024;

/** Each path and the one method it takes: a known path with another method is a 405, not a 404. */
const METHODS: ReadonlyMap<string, string> = new Map([
  ["/status", "GET"], ["/reload", "POST"], ["/scale", "POST"], ["/stop", "POST"], ["/logs", "GET"], ["/logs/reopen", "POST"], ["/send", "POST"],
  ["/diagnose", "POST"], ["/inspect", "POST"], ["/upgrade", "POST"],
]);

/** A body over MAX_BODY: answered 413 without reading the rest, and the connection closed. */
class BodyTooLarge extends CorralError {
  constructor() {
    super("CORRAL_ERR_CONTROL", `request body over ${MAX_BODY} bytes`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"]) > MAX_BODY) return reject(new BodyTooLarge());
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge());
        req.pause(); // the 413 goes out with Connection: close; the rest is never read
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({});
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new CorralError("CORRAL_ERR_CONTROL", "request body is not a JSON object"));
      }
    });
    req.on("error", reject);
  });
}

function statusOf(error: unknown): number {
  if (!(error instanceof CorralError)) return 500;
  if (error instanceof BodyTooLarge) return 413;
  if (error.code === "CORRAL_ERR_BAD_OPTION" || error.code === "CORRAL_ERR_CONTROL") return 400;
  if (error.code === "CORRAL_ERR_BUSY" || error.code === "CORRAL_ERR_STOPPED") return 409;
  return 500;
}

/** What POST /reload and POST /scale need of the supervisor (the admin server serves them too: admin/supervisor.ts). */
export interface WorkerChanges {
  reload(): Promise<{ ms: number; changed?: string[] }>;
  scale(requested: number | "max"): Promise<void>;
  readonly workersDesired: number;
}

/** Handles one control request; never throws. */
export async function handleControl(corral: Corral, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = (req.url ?? "/").split("?")[0];
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /status":
        return sendJson(res, 200, { ok: true, status: corral.snapshot() });
      case "POST /reload":
      case "POST /scale":
        return await changeWorkers(corral, route, req, res);
      case "POST /send": {
        const body = await readJsonBody(req);
        return sendJson(res, 200, { ok: true, ...corral.send(body.topic, body.data, body.worker) });
      }
      case "GET /logs":
        return serveLogs(corral, req, res);
      case "POST /upgrade": {
        const body = await readJsonBody(req);
        if (body.node !== undefined && typeof body.node !== "string") throw new CorralError("CORRAL_ERR_BAD_OPTION", "--node: expected a path");
        return sendJson(res, 200, { ok: true, from: process.pid, ...(await corral.upgrade(body.node as string | undefined)) });
      }
      case "POST /logs/reopen": {
        const { files, failed } = corral.reopenLogs();
        if (failed.length > 0) {
          const why = failed.map((f) => `${f.path}: ${f.error}`).join("; ");
          return sendJson(res, 500, { ok: false, error: `could not reopen ${why} (still writing to the files it had open)`, code: "CORRAL_ERR_CONTROL" });
        }
        return sendJson(res, 200, { ok: true, files });
      }
      case "POST /diagnose":
        return await serveDiagnostic(corral, await readJsonBody(req), res);
      case "POST /inspect":
        return sendJson(res, 200, await serveInspect(corral, await readJsonBody(req)));
      case "POST /stop":
        // The CLI waits for this pid to exit, up to the kill timeout and a margin, if it shares our pid namespace.
        sendJson(res, 202, { ok: true, stopping: true, pid: process.pid, pidNamespace: pidNamespace(), killTimeoutMs: corral.options.killTimeoutMs });
        void corral.stop("corral stop");
        return;
      default:
        return noRoute(req, res, path);
    }
  } catch (error) {
    sendError(res, error);
  }
}

/** The admin server's POST /reload and POST /scale: the control socket's answers, from the same code; never throws. */
export async function handleWorkerChange(target: WorkerChanges, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = (req.url ?? "/").split("?")[0];
    const route = `${req.method} ${path}`;
    if (route === "POST /reload" || route === "POST /scale") return await changeWorkers(target, route, req, res);
    return noRoute(req, res, path);
  } catch (error) {
    sendError(res, error);
  }
}

async function changeWorkers(target: WorkerChanges, route: "POST /reload" | "POST /scale", req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (route === "POST /reload") {
    const result = await target.reload();
    return sendJson(res, 200, { ok: true, ...result });
  }
  const body = await readJsonBody(req);
  await target.scale(body.workers as number | "max");
  return sendJson(res, 200, { ok: true, workers: target.workersDesired });
}

function noRoute(req: IncomingMessage, res: ServerResponse, path: string): void {
  const method = METHODS.get(path);
  if (method === undefined) return sendJson(res, 404, { ok: false, error: `no route ${req.method} ${path}`, code: "CORRAL_ERR_CONTROL" });
  res.setHeader("allow", method);
  return sendJson(res, 405, { ok: false, error: `${path} takes ${method}, not ${req.method}`, code: "CORRAL_ERR_CONTROL" });
}

function sendError(res: ServerResponse, error: unknown): void {
  const code = error instanceof CorralError ? error.code : "CORRAL_ERR_CONTROL";
  if (error instanceof BodyTooLarge && !res.headersSent) res.setHeader("connection", "close");
  if (!res.headersSent) sendJson(res, statusOf(error), { ok: false, error: (error as Error).message, code });
}
