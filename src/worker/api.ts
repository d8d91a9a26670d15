/**
 * `import { worker } from "corral/worker"` — what an app may use inside a worker.
 * Outside corral (plain `node app.js`) every call is a harmless no-op, so the
 * same app runs with and without the supervisor.
 */
import { getRegistry, type ShutdownHook } from "./shared-state.js";

export type { ShutdownHook };

export const worker = {
  /** Slot id of this worker (1..N), stable across restarts of the slot; 0 outside corral. */
  get id(): number {
    return getRegistry()?.id ?? 0;
  },
  /** True when running under corral. */
  get isCorral(): boolean {
    return getRegistry() !== undefined;
  },
  /**
   * Tells the supervisor this worker is ready for traffic. Only needed with
   * --wait-ready (otherwise a worker is ready once its servers listen).
   */
  ready(): void {
    getRegistry()?.markReady();
  },
  /**
   * Registers cleanup to run when the worker drains (reload, scale down, shutdown),
   * after its servers stop accepting. Hooks run in parallel; the supervisor
   * SIGKILLs the worker after --kill-timeout whatever they are doing.
   */
  onShutdown(hook: ShutdownHook): void {
    if (typeof hook !== "function") throw new TypeError("worker.onShutdown expects a function");
    getRegistry()?.shutdownHooks.push(hook);
  },
};

export default worker;
