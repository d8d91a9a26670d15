/**
 * When to restart a crashed worker, and when to give up on its slot.
 * Pure functions: the supervisor feeds them facts, they return decisions.
 *
 * - A crash of a worker that ran at least --min-uptime starts a new streak.
 * - Each consecutive crash of a worker that did not reach --min-uptime extends
 *   the streak; once the streak reaches --max-restarts the slot is `errored`.
 * - Until the app has served once (no worker was ever ready since start), it may
 *   never start at all: a missing variable, a syntax error, a port held by another
 *   process. Then a slot gives up after STARTUP_ATTEMPTS failures (a couple of
 *   seconds), and at once after a failure that repeats identically however often
 *   it is retried (no ready signal within --listen-timeout, a listen refused by the
 *   primary). Once the app has served, --max-restarts applies.
 * - A worker that failed before it was ready always extends the streak, however
 *   long it took to fail: an app that needs 6 s to crash would otherwise reset its
 *   streak on every attempt (--min-uptime 5s) and loop forever.
 * - The delay before a restart doubles with the streak from ~100 ms, capped at
 *   ~15 s, with ±20 % jitter so that slots crashing together do not restart in
 *   lockstep (and hammer a shared dependency at the same instant).
 */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 15_000;

/** Attempts per slot while the app has never served (see above). */
export const STARTUP_ATTEMPTS = 3;

export interface CrashFacts {
  /** Unstable crashes in a row before this one. */
  streak: number;
  /** How long the worker that just crashed was up. */
  uptimeMs: number;
  minUptimeMs: number;
  maxRestarts: number;
  /** The worker exited before it was ready. */
  beforeReady?: boolean;
  /** No worker of this supervisor has been ready yet. */
  neverServed?: boolean;
  /** The failure would repeat as it is on a retry (listen timeout, listen refused). */
  repeats?: boolean;
}

export type RestartDecision =
  | { action: "restart"; streak: number; delayMs: number }
  | { action: "give-up"; streak: number };

export function decideRestart(facts: CrashFacts, random: () => number = Math.random): RestartDecision {
  const stable = facts.uptimeMs >= facts.minUptimeMs && facts.beforeReady !== true;
  const streak = stable ? 1 : facts.streak + 1;
  const limit = facts.neverServed ? (facts.repeats ? 0 : Math.min(facts.maxRestarts, STARTUP_ATTEMPTS - 1)) : facts.maxRestarts;
  if (streak > limit) return { action: "give-up", streak };
  return { action: "restart", streak, delayMs: restartDelay(streak, random) };
}

/**
 * Delay before retrying a replacement that failed (a worker over --max-memory): it doubles from ~1.6 s.
 * The old worker still serves, and a new version that could not start will not start a heartbeat later.
 */
export function replaceRetryDelay(failures: number, random: () => number = Math.random): number {
  return restartDelay(failures + 4, random);
}

/** Delay before restart number `streak` (1-based) of a slot. */
export function restartDelay(streak: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(streak - 1, 0), 30);
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.round(base * (0.8 + 0.4 * random()));
}
