/**
 * Default values, in one place so resolve.ts and the --help text cannot disagree.
 * Workers (usable CPUs), name (the entry's base name) and cwd depend on the
 * machine and the entry; resolve.ts computes those.
 */
import type { BalanceStrategy, LogFormat } from "./types.js";

export const DEFAULTS = Object.freeze({
  balance: "round-robin" as BalanceStrategy,
  adminHost: "127.0.0.1",
  waitReady: false,
  listenTimeoutMs: 8_000,
  killTimeoutMs: 10_000,
  hangTimeoutMs: 10_000,
  maxMemoryBytes: 0,
  maxRestarts: 10,
  /** Failed worker.healthCheck() runs in a row before a worker is replaced. */
  unhealthyAfter: 3,
  minUptimeMs: 5_000,
  reloadParallel: 1,
  watch: false,
  logFormat: "prefix" as LogFormat,
  timestamps: false,
  logBufferBytes: 4 * 1024 * 1024,
  maxQueue: 1024,
  queueTimeoutMs: 10_000,
  shutdownDelayMs: 0,
  heartbeatIntervalMs: 1_000,
  instanceVar: "NODE_APP_INSTANCE",
});

/**
 * The lowest values that keep the safety an option sets: below them every worker is killed or
 * refused at once, so a slip of the unit ("--listen-timeout 5" for 5 s) would take the service down.
 * A --kill-timeout under a second SIGKILLs requests that were about to finish; a --max-memory under
 * what a fresh worker uses (Node alone is ~45-50 MB of RSS) replaces every worker on every heartbeat.
 */
export const FLOORS = Object.freeze({
  killTimeoutMs: 1_000,
  maxMemoryBytes: 64 * 1024 ** 2,
  /** Node's own start (~50 ms, several hundred on a busy host) plus the app's: under 1 s no worker is ever ready. */
  listenTimeoutMs: 1_000,
  /** Each beat is a message the primary parses: under 100 ms the primary spends its time on them. */
  heartbeatIntervalMs: 100,
  /** A hang timeout is at least 1 s and this many heartbeat intervals: one late beat (a GC pause) is not a hang. */
  hangTimeoutMs: 1_000,
  hangTimeoutBeats: 2,
  /** Under this a worker that crashes soon after it is ready resets its backoff each time: a fork loop. */
  minUptimeMs: 100,
  /** A held connection must be able to outlast a worker's replacement; less is --max-queue 0 by accident. */
  queueTimeoutMs: 100,
});
