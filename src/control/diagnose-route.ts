/**
 * The control routes behind `corral profile|report|heap-snapshot` and
 * `corral inspect` (control socket only: never on the admin HTTP server).
 *
 *   POST /diagnose {"kind": "profile"|"report"|"heap-snapshot", "worker": ID, "durationMs": N}
 *        → 200 application/octet-stream: the file, streamed from disk with back-pressure
 *          (a snapshot is never held in the primary's memory), removed once sent or abandoned
 *   POST /inspect {"worker": ID, "close": bool, "allowRoot": bool, "timeoutMs": N}
 *        → {"ok": true, "port", "ws", "devtools", "closesAt"} or {"ok": true, "closed": true}
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CorralError } from "../errors.js";
import type { Corral } from "../primary/corral.js";
import { FILE_DIAGNOSTICS, MAX_PROFILE_MS, writeDiagnostic, type FileDiagnostic } from "../primary/diagnostics/commands.js";
import { closeInspector, openInspector } from "../primary/diagnostics/inspect.js";

export const OCTET_STREAM = "application/octet-stream";
/** `corral inspect` closes the inspector after this unless told otherwise. */
export const DEFAULT_INSPECT_MS = 15 * 60_000;
const MAX_INSPECT_MS = 24 * 60 * 60_000;

function integer(body: Record<string, unknown>, key: string, min: number, max: number, fallback?: number): number {
  const value = body[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `${key}: ${JSON.stringify(value)} is not valid; expected an integer from ${min} to ${max}`);
  }
  return value as number;
}

export async function serveDiagnostic(corral: Corral, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const kind = body.kind as FileDiagnostic;
  if (!FILE_DIAGNOSTICS.includes(kind)) {
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `kind: ${JSON.stringify(body.kind)} is not valid; expected one of ${FILE_DIAGNOSTICS.join(", ")}`);
  }
  const id = integer(body, "worker", 1, Number.MAX_SAFE_INTEGER);
  const durationMs = kind === "profile" ? integer(body, "durationMs", 100, MAX_PROFILE_MS, 10_000) : 0;
  // Heard now, not once the file is written: a CLI gone by then (Ctrl-C during a profile) would leave
  // the file and its directory behind for good (a heap snapshot is as big as the worker's heap).
  let gone = false;
  res.once("close", () => void (gone = true));
  const file = await writeDiagnostic(corral, kind, id, durationMs);
  if (gone) return file.remove();
  const stream = createReadStream(file.path);
  let removed = false;
  const cleanUp = (): void => {
    if (removed) return;
    removed = true;
    stream.destroy();
    file.remove();
  };
  res.on("close", cleanUp);
  stream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: error.message, code: "CORRAL_ERR_DIAGNOSTIC" }));
    else res.destroy(error);
  });
  stream.once("open", () => {
    res.writeHead(200, { "content-type": OCTET_STREAM, "content-disposition": `attachment; filename="${file.name}"`, "x-corral-file": file.name });
    stream.pipe(res);
  });
  stream.on("end", cleanUp);
}

export async function serveInspect(corral: Corral, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = integer(body, "worker", 1, Number.MAX_SAFE_INTEGER);
  if (body.close === true) {
    await closeInspector(corral, id);
    return { ok: true, closed: true };
  }
  const timeoutMs = integer(body, "timeoutMs", 1_000, MAX_INSPECT_MS, DEFAULT_INSPECT_MS);
  return { ok: true, ...(await openInspector(corral, id, { allowRoot: body.allowRoot === true, timeoutMs })) };
}
