/**
 * A reload that reads the configuration again (`corral start` says where from: its flags, file and
 * env). The file is evaluated in a child process (config/evaluate.ts), then config/reconfigure.ts
 * says what changed: a change that needs a new primary (new sockets, another user) is refused before
 * anything changed; otherwise the new options apply to every worker forked from then on, the rolling
 * reload runs, and a reload that fails puts the old options back. A --workers change scales once the
 * reload is done.
 */
import { optionChanges } from "../config/reconfigure.js";
import type { ResolvedOptions } from "../config/types.js";
import type { WorkerIdentity } from "../config/identity.js";
import { CorralError } from "../errors.js";
import type { Acceptors } from "./acceptors.js";
import type { Replacements } from "./replacements.js";
import { setupWorkers } from "./spawn.js";

/** What re-reading the configuration and applying it needs of the supervisor. */
export interface ConfigReloadContext {
  /** Reads the configuration again, given the options in force. */
  readonly source: (current: ResolvedOptions) => Promise<ResolvedOptions>;
  /** uid/gid of the workers (--user/--group), for node:cluster's setupPrimary. */
  readonly identity: WorkerIdentity;
  readonly replacements: Pick<Replacements, "reconfigured">;
  readonly acceptors: Pick<Acceptors, "setStrategy">;
  options(): ResolvedOptions;
  setOptions(next: ResolvedOptions): void;
  /** --restart-cron changed: its timer starts again with `expression` (none for null). */
  restartCron(expression: string | null): void;
  /** No reload, scale or stop holds the lock, and corral runs. */
  lockFree(): boolean;
  /** The rolling reload, in the lock (which refuses it when taken). */
  rollingReload(): Promise<{ ms: number }>;
  scale(workers: number): Promise<void>;
  log(level: "info" | "error", message: string): void;
}

/** Re-reads the configuration, applies what changed and runs the rolling reload with it. */
export async function reloadWithConfiguration(context: ConfigReloadContext): Promise<{ ms: number; changed?: string[] }> {
  const before = context.options();
  let after: ResolvedOptions;
  let applied: string[];
  try {
    after = await context.source(before);
    // The file was read in a child process: another reload, a scale or a stop may have taken the lock
    // meanwhile. Refused as the lock refuses it (busy, stopping) before these options replace theirs:
    // a failed reload puts back `before`, which would undo the other reload's options.
    if (!context.lockFree()) return await context.rollingReload();
    const changes = optionChanges(before, after);
    if (changes.refused.length > 0) {
      throw new CorralError("CORRAL_ERR_BAD_OPTION", `reload refused: ${changes.refused.join(", ")} changed, which needs a restart of corral (or corral upgrade); nothing changed`);
    }
    applied = changes.applied;
  } catch (error) {
    context.log("error", `reload: ${(error as Error).message} (the workers keep running as they are)`);
    throw error;
  }
  if (applied.length > 0) context.log("info", `configuration changed: ${applied.join("; ")}`);
  applyOptions(context, after);
  let result: { ms: number };
  try {
    result = await context.rollingReload();
  } catch (error) {
    applyOptions(context, before);
    throw error;
  }
  if (after.workers !== before.workers) await context.scale(after.workers);
  return { ...result, changed: applied };
}

/** The options new workers, the health checks, the balancer and --restart-cron use from now on. */
function applyOptions(context: ConfigReloadContext, next: ResolvedOptions): void {
  const before = context.options();
  if (next === before) return;
  context.setOptions(next);
  setupWorkers(next, context.identity);
  context.replacements.reconfigured(before, next);
  context.acceptors.setStrategy(next.balance);
  if (next.restartCron !== before.restartCron) context.restartCron(next.restartCron);
}
