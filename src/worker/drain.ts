/**
 * Draining a worker, in the spirit of close-with-grace: stop accepting, let
 * in-flight work finish, run the app's shutdown hooks, exit. The primary owns
 * the deadline (it SIGKILLs after --kill-timeout), so a hook that blocks the
 * event loop cannot keep the worker alive; we still arm a local timer so a
 * worker whose primary vanished does not linger.
 */
import type { Server } from "node:net";
import type { HttpStats } from "./http-stats.js";
import type { ShutdownHook } from "./shared-state.js";

export interface DrainTargets {
  servers(): Server[];
  stats: HttpStats;
  hooks: readonly ShutdownHook[];
}

let draining = false;

export function isDraining(): boolean {
  return draining;
}

export async function drain(targets: DrainTargets, timeoutMs: number): Promise<never> {
  if (draining) return new Promise<never>(() => {});
  draining = true;
  setTimeout(() => process.exit(0), timeoutMs + 1000).unref();

  targets.stats.startDraining();
  const closed = targets.servers().map(
    (server) =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        // server.close() waits for every connection; http servers also drop idle keep-alive sockets.
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  );
  const hooks = targets.hooks.map(async (hook) => {
    try {
      await hook();
    } catch (error) {
      console.error("[corral] shutdown hook failed:", error);
    }
  });
  await Promise.all([...closed, ...hooks]);
  process.exit(0);
}
