/**
 * What a worker's exit says, once its process is gone: its crash report (the app's own error, from
 * its stderr: crash-report.ts), the failure of a worker that was still starting (its start's promise
 * rejects with that report), the `worker-exit` event, and a log line for an exit nobody asked for or
 * a drain that did not end cleanly. Refilling its slot is the supervisor's and restarts.ts's.
 */
import { drainTrouble } from "../drain-exit.js";
import { WorkerFailedError } from "../errors.js";
import type { CorralEventName, CorralEvents } from "../status.js";
import { crashReport } from "./crash-report.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { WorkerEnd } from "./restarts.js";

/** Where an exit is reported. */
export interface ExitReportContext {
  emit<E extends CorralEventName>(event: E, payload: CorralEvents[E]): void;
  log(level: "warn", message: string): void;
}

/** Reports `worker`'s exit with `code` or `signal`; returns how it ended, with its crash report, for restarts.ts. */
export function reportExit(worker: ManagedWorker, code: number | null, signal: string | null, ended: Omit<WorkerEnd, "report">, context: ExitReportContext): WorkerEnd {
  const how = signal ? `signal ${signal}` : `code ${code}`;
  const end: WorkerEnd = { ...ended, report: crashReport(worker.stderrTail) };
  if (end.wasStarting) {
    const why = worker.killReason ?? `exited with ${how} before it was ready`;
    worker.failReady(new WorkerFailedError(`worker ${worker.slotId} (pid ${worker.pid}) ${why}`, end.report));
  }
  const expected = worker.expectedExit;
  context.emit("worker-exit", { id: worker.slotId, pid: worker.pid, code, signal, expected });
  // A kill reason carries its own limit ("did not become ready within 2000 ms"): an uptime next to
  // it ("after 2007 ms") read as a contradiction, so the uptime is given only for exits of the app's own.
  if (!expected) {
    context.log("warn", `worker ${worker.slotId} (pid ${worker.pid}) ${worker.killReason ?? `exited with ${how} after ${end.uptimeMs} ms`}`);
  } else if (worker.readyAt > 0) {
    // A worker drained while still booting may end by the SIGTERM drain.ts sent it: nothing to report.
    const trouble = drainTrouble(code, signal);
    if (trouble) context.log("warn", `worker ${worker.slotId} (pid ${worker.pid}) ${trouble}`);
  }
  return end;
}
