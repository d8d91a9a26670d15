/**
 * `corral profile`, `corral report` and `corral heap-snapshot` on the primary's
 * side: the worker writes the file in-process (worker/diagnostics.ts, through
 * node:inspector's Session: no port is opened) into a 0700 directory made for
 * this one order; the control route streams it to the CLI and removes it. The
 * primary never holds the file's content: a heap snapshot is as big as the
 * worker's heap.
 *
 * A heap snapshot stops the worker's JavaScript for seconds, so that worker is
 * replaced first, as a reload replaces it, and takes the snapshot while it
 * drains, after its last request (a shutdown hook): no request waits for it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CorralError } from "../../errors.js";
import type { Corral } from "../corral.js";
import type { ManagedWorker } from "../managed-worker.js";
import { makeDiagnosticDir } from "./orders.js";

export type FileDiagnostic = "profile" | "report" | "heap-snapshot";
export const FILE_DIAGNOSTICS: readonly FileDiagnostic[] = ["profile", "report", "heap-snapshot"];

export interface DiagnosticFile {
  /** Where the worker wrote it (stream it, then remove()). */
  path: string;
  /** A file name for the operator: worker-1-4242.cpuprofile. */
  name: string;
  remove(): void;
}

const EXTENSION: Record<FileDiagnostic, string> = { profile: "cpuprofile", report: "report.json", "heap-snapshot": "heapsnapshot" };
/** A report takes milliseconds; the margin is for a busy worker's event loop. */
const REPORT_TIMEOUT_MS = 10_000;
/** Past the profile's own duration: stopping the profiler and writing the JSON. */
const PROFILE_MARGIN_MS = 10_000;
export const MAX_PROFILE_MS = 10 * 60_000;

/** A ready worker of slot `id`, or the error the operator should see. */
export function readyWorker(corral: Corral, id: number): ManagedWorker {
  const worker = corral.currentWorker(id);
  if (!worker) throw new CorralError("CORRAL_ERR_NOT_READY", `no worker ${id}: workers are ${workerIds(corral)}`);
  if (worker.state !== "ready") throw new CorralError("CORRAL_ERR_NOT_READY", `worker ${id} is ${worker.state}, not ready`);
  return worker;
}

function workerIds(corral: Corral): string {
  const ids = corral.snapshot().workers.filter((w) => w.slotState !== "retired").map((w) => w.id);
  return ids.length > 0 ? [...new Set(ids)].join(", ") : "none";
}

/** Has worker `id` write a `kind` file; resolves once it is complete. */
export async function writeDiagnostic(corral: Corral, kind: FileDiagnostic, id: number, durationMs: number): Promise<DiagnosticFile> {
  const worker = readyWorker(corral, id);
  const dir = makeDiagnosticDir(corral.workerIdentity);
  const name = `worker-${id}-${worker.pid}.${EXTENSION[kind]}`;
  const path = join(dir.path, name);
  const orders = corral.diagnostics.orders;
  if (kind === "profile") corral.log("info", `worker ${id} (pid ${worker.pid}): CPU profile for ${durationMs} ms (corral profile)`);
  if (kind === "report") corral.log("info", `worker ${id} (pid ${worker.pid}): diagnostic report (corral report)`);
  try {
    if (kind === "profile") await orders.send(worker, "profile", path, durationMs, durationMs + PROFILE_MARGIN_MS);
    else if (kind === "report") await orders.send(worker, "report", path, 0, REPORT_TIMEOUT_MS);
    else await heapSnapshot(corral, id, path);
  } catch (error) {
    dir.remove();
    throw error;
  }
  return { path, name, remove: dir.remove };
}

async function heapSnapshot(corral: Corral, id: number, path: string): Promise<void> {
  const killTimeoutMs = corral.options.killTimeoutMs;
  let written: Promise<unknown> = Promise.resolve();
  corral.log("info", `heap snapshot of worker ${id}: replacing it first, it takes the snapshot while it drains`);
  const old = await corral.replaceWorker(id, (draining) => {
    // The order goes before the drain order on the same channel: the hook is in place when the drain runs it.
    written = corral.diagnostics.orders.send(draining, "heap-snapshot", path, 0, killTimeoutMs + 5_000).catch((error: Error) => error);
  });
  if (!old) throw new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${id} was gone before its heap snapshot`);
  await old.exited;
  // The worker exits right after renaming the file into place: its reply may not get out, the file tells.
  if (existsSync(path)) return;
  const error = await written;
  const why = error instanceof Error ? error.message : `worker ${id} exited without writing it`;
  throw new CorralError("CORRAL_ERR_DIAGNOSTIC", `no heap snapshot: ${why} (it must finish within --kill-timeout, ${killTimeoutMs} ms)`);
}
