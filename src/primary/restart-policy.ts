/**
 * When to restart a crashed worker, and when to give up on its slot.
 * Pure functions: the supervisor feeds them facts, they return decisions.
 *
 * - A crash of a worker that ran at least --min-uptime starts a new streak.
 * - Each consecutive crash of a worker that did not reach --min-uptime extends
 *   the streak; once the streak reaches --max-restarts the slot is `errored`.
 * - The delay before a restart doubles with the streak from ~100 ms, capped at
 *   ~15 s, with ±20 % jitter so that slots crashing together do not restart in
 *   lockstep (and hammer a shared dependency at the same instant).
 */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 15_000;

export interface CrashFacts {
  /** Unstable crashes in a row before this one. */
  streak: number;
  /** How long the worker that just crashed was up. */
  uptimeMs: number;
  minUptimeMs: number;
  maxRestarts: number;
}

export type RestartDecision =
  | { action: "restart"; streak: number; delayMs: number }
  | { action: "give-up"; streak: number };

export function decideRestart(facts: CrashFacts, random: () => number = Math.random): RestartDecision {
  const streak = facts.uptimeMs >= facts.minUptimeMs ? 1 : facts.streak + 1;
  if (streak > facts.maxRestarts) return { action: "give-up", streak };
  return { action: "restart", streak, delayMs: restartDelay(streak, random) };
}

/** Delay before restart number `streak` (1-based) of a slot. */
export function restartDelay(streak: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(streak - 1, 0), 30);
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.round(base * (0.8 + 0.4 * random()));
}
