/**
 * What a reload that re-read the configuration may change. Options read at each
 * fork (the entry and its arguments, env, timeouts, limits) apply through the
 * rolling reload itself; the worker count by a scale after it; the balancing
 * strategy by the primary's acceptors switching their picker as the reload begins.
 * Options held by what the primary opened at start (sockets, the admin server, log
 * files, the workers' user) need a new primary: such a change is refused whole,
 * and nothing changes. So is a change to or from `--balance os`: there each
 * worker binds its own SO_REUSEPORT socket and the primary holds none.
 */
import type { ResolvedOptions } from "./types.js";

/** Not options of their own: where values came from, and the uid/gid looked up from user and group. */
const DERIVED = ["sources", "workerIdentity"] as const satisfies ReadonlyArray<keyof ResolvedOptions>;

type Key = Exclude<keyof ResolvedOptions, (typeof DERIVED)[number]>;

/** Applied by the reload (read when a worker is forked, or by the checks at each heartbeat). */
const APPLIED: readonly Key[] = [
  "entry", "args", "nodeArgs", "cwd", "env", "workers", "waitReady", "noListen", "instanceVar", "listenTimeoutMs",
  "killTimeoutMs", "maxMemoryBytes", "maxRestarts", "minUptimeMs", "reloadParallel", "maxRequests",
  "maxRequestsJitter", "maxAgeMs", "restartCron", "shutdownDelayMs", "balance", "envFiles", "fileEnv",
];

export interface OptionChanges {
  /** "env (GREETING, NODE_ENV)", "killTimeoutMs 5000 → 8000": what the reload applies. */
  readonly applied: string[];
  /** Options that changed but need a restart of corral. */
  readonly refused: string[];
}

export function optionChanges(before: ResolvedOptions, after: ResolvedOptions): OptionChanges {
  const applied: string[] = [];
  const refused: string[] = [];
  for (const key of Object.keys(after) as Array<keyof ResolvedOptions>) {
    if ((DERIVED as readonly string[]).includes(key) || same(before[key], after[key])) continue;
    if (!(APPLIED as readonly string[]).includes(key)) refused.push(key);
    else if (key === "balance" && (before.balance === "os" || after.balance === "os")) refused.push(`balance ${show(before.balance)} → ${show(after.balance)} (${OS_SOCKETS})`);
    else if (key === "env") applied.push(`env (${changedNames(before.env, after.env).join(", ")})`);
    else if (key === "fileEnv") applied.push(`env file (${changedNames(before.fileEnv, after.fileEnv).join(", ")})`);
    else applied.push(`${key} ${show(before[key])} → ${show(after[key])}`);
  }
  return { applied, refused };
}

const OS_SOCKETS = "with os each worker binds its own SO_REUSEPORT socket and the primary holds none, so the change needs new sockets";

/** Variables added, removed or changed; their values may be secrets and are not shown. */
function changedNames(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}
