/**
 * The rolling reload: each slot gets a new, ready worker before its old one
 * drains, --reload-parallel slots at a time, so the app never has fewer ready
 * workers than it had. A new worker that fails stops the reload; the error says
 * how many old and new workers serve on. The supervisor runs `replaceAll` in its
 * lock (reload, scale and replacements take turns), then waits for the old
 * workers' drains outside it.
 */
import { CorralError, reloadFailed } from "../errors.js";
import type { CorralEventName, CorralEvents, ReloadCause } from "../status.js";
import type { ManagedWorker } from "./managed-worker.js";
import { activeSlots, type Slot } from "./slot.js";

/** What a rolling reload needs of the supervisor. */
export interface RollingReloadContext {
  /** What asked for the reload (reload-start says it). */
  readonly cause: ReloadCause;
  readonly slots: ReadonlyMap<number, Slot>;
  readonly reloadParallel: number;
  shuttingDown(): boolean;
  /** Starts a new worker in `slot`; once it is ready, the old one drains and is returned (null if there was none). */
  replace(slot: Slot): Promise<ManagedWorker | null>;
  /** The reload succeeded: counted before `reload-done` is emitted. */
  reloaded(): void;
  emit<E extends CorralEventName>(event: E, payload: CorralEvents[E]): void;
  log(level: "info" | "error", message: string): void;
}

/** Replaces every active slot's worker; resolves with the time it took and the old workers, now draining. */
export async function replaceAll(context: RollingReloadContext): Promise<{ ms: number; replaced: ManagedWorker[] }> {
  const { reloadParallel } = context;
  const began = Date.now();
  const replaced: ManagedWorker[] = [];
  const slots = activeSlots(context.slots);
  context.emit("reload-start", { workers: slots.length, cause: context.cause });
  context.log("info", `reloading ${slots.length} worker${slots.length === 1 ? "" : "s"}, ${reloadParallel} at a time`);
  try {
    for (let i = 0; i < slots.length; i += reloadParallel) {
      if (context.shuttingDown()) throw new CorralError("CORRAL_ERR_STOPPED", "reload stopped: corral is shutting down");
      // allSettled: when one new worker fails, its batch-mates still finish (or fail) before the
      // reload reports, so no replacement is left running behind a reload that has returned.
      const batch = await Promise.allSettled(slots.slice(i, i + reloadParallel).map(async (slot) => {
        const old = await context.replace(slot);
        if (old) replaced.push(old);
      }));
      const failed = batch.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  } catch (error) {
    const reason = (error as Error).message;
    context.emit("reload-failed", { reason });
    if (error instanceof CorralError && error.code === "CORRAL_ERR_STOPPED") throw error;
    const serving = activeSlots(context.slots).filter((s) => s.worker?.state === "ready");
    const old = serving.filter((s) => s.worker!.forkedAt < began).length;
    const failure = reloadFailed(error as Error, old, serving.length - old);
    context.log("error", failure.message);
    throw failure;
  }
  context.reloaded();
  const ms = Date.now() - began;
  context.emit("reload-done", { ms });
  context.log("info", `reload done in ${ms} ms`);
  return { ms, replaced };
}
