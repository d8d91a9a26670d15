/**
 * corral's public API for embedding the supervisor in your own primary script.
 *
 *   import { Corral } from "corral";
 *   const corral = new Corral({ entry: "./server.js", workers: "max" });
 *   await corral.start();
 *
 * Inside the app, use `import { worker } from "corral/worker"`.
 */
export { Corral, type CorralProcessEvents } from "./primary/corral.js";
export { CorralError, isCorralError, type CorralErrorCode } from "./errors.js";
export type { BalanceStrategy, CorralOptions, ResolvedOptions, LogFormat, AdminAddress } from "./config/types.js";
export type { CorralEvents, CorralEventName, ReloadCause, SupervisorSnapshot, WorkerSnapshot, WorkerState, SlotState } from "./status.js";
export type { WorkerStats } from "./protocol.js";
export { VERSION } from "./version.js";
