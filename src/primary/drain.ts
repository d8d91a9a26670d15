/**
 * The orderly end of one worker, the counterpart of spawn.ts: out of rotation
 * now, then the worker closes its servers, finishes in-flight work and exits;
 * SIGKILL after --kill-timeout. Used for reload, scale-down and shutdown alike.
 */
import { CorralError } from "../errors.js";
import { CMD } from "../protocol.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { SpawnHooks } from "./spawn.js";

/** Drains `worker` (once; a second call just waits) and resolves when its process has exited. */
export function drainWorker(worker: ManagedWorker, killTimeoutMs: number, hooks: Pick<SpawnHooks, "acceptors" | "log">): Promise<void> {
  if (worker.state === "stopped") return Promise.resolve();
  worker.expectedExit = true;
  const starting = worker.state === "starting";
  if (worker.setState("draining")) {
    worker.failReady(new CorralError("CORRAL_ERR_STOPPED", `worker ${worker.slotId} was stopped before it was ready`));
    hooks.acceptors.refresh(worker);
    worker.send({ cmd: CMD, act: "drain", timeoutMs: killTimeoutMs });
    // A worker that is still booting may not listen for the order yet (its runtime loads
    // asynchronously, and node drops a message nobody listens for). SIGTERM reaches it
    // either way: the runtime's handler drains it; before the runtime is there, node's
    // default ends it, and a worker that never became ready has nothing to finish.
    if (starting) worker.kill("SIGTERM");
    worker.after(killTimeoutMs, () => {
      worker.cutOffRequests = worker.stats?.inflight ?? 0;
      const cut = worker.cutOffRequests > 0 ? ` with ${plural(worker.cutOffRequests, "request")} in flight, which fail` : "";
      hooks.log("warn", `worker ${worker.slotId} (pid ${worker.pid}) still running after --kill-timeout; SIGKILL${cut}`);
      worker.kill("SIGKILL");
    });
  }
  return worker.exited;
}

/**
 * After drains: the workers SIGKILLed with requests still in flight, as one error that says so
 * (`what` is "reload done" or "shutdown"); null when every drain finished its requests.
 */
export function cutOffError(what: string, drained: readonly ManagedWorker[], killTimeoutMs: number): CorralError | null {
  const killed = drained.filter((worker) => worker.cutOffRequests > 0);
  if (killed.length === 0) return null;
  const requests = killed.reduce((sum, worker) => sum + worker.cutOffRequests, 0);
  const who = killed.map((worker) => `worker ${worker.slotId} (pid ${worker.pid}): ${worker.cutOffRequests}`).join(", ");
  return new CorralError(
    "CORRAL_ERR_CUT_OFF",
    `${what}, but ${plural(requests, "request")} in flight ${requests === 1 ? "was" : "were"} cut off: still running after --kill-timeout (${killTimeoutMs} ms), ` +
      `SIGKILLed (${who}); raise --kill-timeout above your slowest request`,
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
