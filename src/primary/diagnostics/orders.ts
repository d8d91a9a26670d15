/**
 * Diagnostic orders to one worker and their replies (protocol.ts
 * DiagnosticOrder/DiagnosticReply), and the private directory each order's file
 * is written in. An order is settled by the worker's reply, its exit or a
 * deadline, whichever comes first: the primary never waits on a worker for
 * longer than it said, and keeps nothing per order once it is settled.
 */
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorralError } from "../../errors.js";
import { CMD, type DiagnosticKind, type DiagnosticReply } from "../../protocol.js";
import type { ManagedWorker } from "../managed-worker.js";
import type { WorkerIdentity } from "../../config/identity.js";

interface Waiter {
  worker: ManagedWorker;
  resolve(): void;
  reject(error: Error): void;
}

/** A 0700 directory for one order's file, owned by the workers' user (--user) so the worker can write it. */
export interface DiagnosticDir {
  readonly path: string;
  remove(): void;
}

export function makeDiagnosticDir(identity: WorkerIdentity): DiagnosticDir {
  const path = mkdtempSync(join(tmpdir(), "corral-diagnostic-"));
  if (identity.uid !== undefined) chownSync(path, identity.uid, identity.gid ?? -1);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export class DiagnosticOrders {
  private seq = 0;
  private readonly waiting = new Map<number, Waiter>();

  /** Sends `kind` to `worker`; resolves when it reports the file written. */
  send(worker: ManagedWorker, kind: DiagnosticKind, path: string, durationMs: number, timeoutMs: number): Promise<void> {
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        if (!this.waiting.delete(seq)) return;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${worker.slotId} did not finish its ${kind} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(seq, { worker, resolve: () => settle(), reject: settle });
      void worker.exited.then(() => settle(new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${worker.slotId} exited before its ${kind} was written`)));
      worker.send({ cmd: CMD, act: "diagnostic", seq, kind, path, durationMs });
    });
  }

  /** A worker's reply; one for an order it was not given is ignored. */
  reply(worker: ManagedWorker, message: DiagnosticReply): void {
    const waiter = this.waiting.get(message.seq);
    if (!waiter || waiter.worker !== worker) return;
    if (message.error === null) waiter.resolve();
    else waiter.reject(new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${worker.slotId}: ${message.error}`));
  }
}
