/**
 * Settings the primary gives each worker through its environment, in one place
 * for both sides. Names start with CORRAL_WORKER_ so they never collide with the
 * CORRAL_* option variables (a `corral start` run from inside a worker must not
 * mistake them for its own options).
 */
import type { BalanceStrategy } from "./config/types.js";

export interface WorkerSettings {
  /** Slot id, 1..N. */
  id: number;
  name: string;
  waitReady: boolean;
  heartbeatMs: number;
  balance: BalanceStrategy;
  killTimeoutMs: number;
  /** --no-listen: ready once started (or on worker.ready() with --wait-ready), not on listen. */
  noListen: boolean;
}

export function encodeWorkerEnv(settings: WorkerSettings): Record<string, string> {
  return {
    CORRAL_WORKER_ID: String(settings.id),
    CORRAL_WORKER_NAME: settings.name,
    CORRAL_WORKER_WAIT_READY: settings.waitReady ? "1" : "0",
    CORRAL_WORKER_HEARTBEAT_MS: String(settings.heartbeatMs),
    CORRAL_WORKER_BALANCE: settings.balance,
    CORRAL_WORKER_KILL_TIMEOUT_MS: String(settings.killTimeoutMs),
    CORRAL_WORKER_NO_LISTEN: settings.noListen ? "1" : "0",
  };
}

/** The settings, or null outside a corral worker. */
export function decodeWorkerEnv(env: NodeJS.ProcessEnv): WorkerSettings | null {
  const id = Number(env.CORRAL_WORKER_ID);
  if (!Number.isSafeInteger(id) || id < 1) return null;
  return {
    id,
    name: env.CORRAL_WORKER_NAME ?? "",
    waitReady: env.CORRAL_WORKER_WAIT_READY === "1",
    heartbeatMs: Number(env.CORRAL_WORKER_HEARTBEAT_MS) || 1000,
    balance: (env.CORRAL_WORKER_BALANCE as BalanceStrategy | undefined) ?? "round-robin",
    killTimeoutMs: Number(env.CORRAL_WORKER_KILL_TIMEOUT_MS) || 10_000,
    noListen: env.CORRAL_WORKER_NO_LISTEN === "1",
  };
}
