/**
 * The worker's end of the IPC channel to the primary. Our messages travel as
 * node "internal" messages (cmd NODE_CORRAL), so they never reach the app's
 * own `process.on("message")` listeners.
 */
import { CMD, type PrimaryMessage, type WorkerMessage } from "../protocol.js";

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
export type Outgoing = DistributiveOmit<WorkerMessage, "cmd">;

export function sendToPrimary(message: Outgoing): void {
  // After the primary is gone the channel is closed; there is nobody left to tell.
  if (!process.connected || typeof process.send !== "function") return;
  (message as WorkerMessage).cmd = CMD;
  process.send(message);
}

type Listener = (message: PrimaryMessage, handle: unknown) => void;

/** Subscribes to corral messages from the primary. */
export function onPrimaryMessage(listener: Listener): void {
  process.on("internalMessage" as "message", (message: unknown, handle: unknown) => {
    if (typeof message === "object" && message !== null && (message as { cmd?: unknown }).cmd === CMD) {
      listener(message as PrimaryMessage, handle);
    }
  });
}
