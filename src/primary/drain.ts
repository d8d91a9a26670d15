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
      hooks.log("warn", `worker ${worker.slotId} (pid ${worker.pid}) still running after --kill-timeout; SIGKILL`);
      worker.kill("SIGKILL");
    });
  }
  return worker.exited;
}
