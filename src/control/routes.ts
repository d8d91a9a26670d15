/**
 * The control API, shared by the control socket and the admin HTTP server:
 * GET /status, POST /reload, POST /scale {"workers": N}, POST /stop.
 * Replies are JSON: `{ ok: true, ... }` or `{ ok: false, error, code }`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CorralError } from "../errors.js";
import type { Corral } from "../primary/corral.js";

const MAX_BODY = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new CorralError("CORRAL_ERR_CONTROL", `request body over ${MAX_BODY} bytes`));
        req.destroy();
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
  if (error.code === "CORRAL_ERR_BAD_OPTION" || error.code === "CORRAL_ERR_CONTROL") return 400;
  if (error.code === "CORRAL_ERR_BUSY" || error.code === "CORRAL_ERR_STOPPED") return 409;
  return 500;
}

/** Handles one control request; never throws. */
export async function handleControl(corral: Corral, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = (req.url ?? "/").split("?")[0];
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /status":
        return sendJson(res, 200, { ok: true, status: corral.snapshot() });
      case "POST /reload": {
        const result = await corral.reload();
        return sendJson(res, 200, { ok: true, ...result });
      }
      case "POST /scale": {
        const body = await readJsonBody(req);
        await corral.scale(body.workers as number);
        return sendJson(res, 200, { ok: true, workers: corral.snapshot().workersDesired });
      }
      case "POST /stop":
        sendJson(res, 202, { ok: true, stopping: true });
        void corral.stop("corral stop");
        return;
      default:
        return sendJson(res, 404, { ok: false, error: `no route ${route}`, code: "CORRAL_ERR_CONTROL" });
    }
  } catch (error) {
    const code = error instanceof CorralError ? error.code : "CORRAL_ERR_CONTROL";
    if (!res.headersSent) sendJson(res, statusOf(error), { ok: false, error: (error as Error).message, code });
  }
}
