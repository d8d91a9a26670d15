/**
 * State shared between the preloaded runtime and the public `corral/worker` API.
 *
 * The app may import "corral/worker" from its own node_modules while the runtime
 * was preloaded from another copy of corral; a registry on globalThis (under a
 * Symbol.for key) joins the two module instances into one.
 */
import type { TalkApi } from "./messages.js";

export type ShutdownHook = () => void | Promise<void>;

export interface WorkerRegistry {
  /** Slot id of this worker, 1..N. */
  readonly id: number;
  /** Supervisor name. */
  readonly name: string;
  readonly waitReady: boolean;
  readonly shutdownHooks: ShutdownHook[];
  /** Called by worker.ready() / process.send("ready"). */
  markReady(): void;
  /** worker.healthCheck(fn) (health-check.ts); absent in a runtime from before it existed. */
  setHealthCheck?(check: () => unknown): void;
  /** worker.broadcast/send/on/onLeader (messages.ts); absent in a runtime from before they existed. */
  readonly talk?: TalkApi;
}

const KEY = Symbol.for("corral.worker.registry");

export function getRegistry(): WorkerRegistry | undefined {
  return (globalThis as Record<symbol, WorkerRegistry | undefined>)[KEY];
}

export function setRegistry(registry: WorkerRegistry): void {
  (globalThis as Record<symbol, WorkerRegistry | undefined>)[KEY] = registry;
}
