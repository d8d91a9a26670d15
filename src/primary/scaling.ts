/**
 * Scaling the worker set (`corral scale`, POST /scale, scale(), a reload that changed --workers):
 * added slots each get a ready worker before the scale answers; surplus slots are retired, the ones
 * not serving first, then the highest ids (slot.ts). The supervisor runs `scaleTo` in its lock.
 */
import { MAX_WORKERS, resolveWorkerCount, usableCpus } from "../config/cpus.js";
import { badOption } from "../errors.js";
import type { CorralEventName, CorralEvents } from "../status.js";
import { activeSlots, surplusSlots, type Slot } from "./slot.js";

/** What scaling needs of the supervisor. */
export interface ScaleContext {
  readonly slots: ReadonlyMap<number, Slot>;
  /** A new slot `id` with a worker forking. */
  addSlot(id: number): Slot;
  /** Drains `slot`'s worker and removes the slot. */
  retire(slot: Slot): Promise<void>;
  /** Resolves once each of `slots` has a ready worker or gave up (settle.ts). */
  settled(slots: readonly Slot[]): Promise<void>;
  emit<E extends CorralEventName>(event: E, payload: CorralEvents[E]): void;
  log(level: "info", message: string): void;
}

/** `requested` as --workers takes it: N, "max" (the CPUs this supervisor may use) or -1 (one less); exit 2 otherwise. */
export function workerCount(requested: number | "max"): number {
  if (requested !== "max" && requested !== -1 && (!Number.isSafeInteger(requested) || requested < 1 || requested > MAX_WORKERS)) {
    throw badOption("workers", requested, `an integer from 1 to ${MAX_WORKERS}, "max" or -1`);
  }
  return resolveWorkerCount(requested, usableCpus);
}

/** Adds ready workers or drains surplus ones until `count` slots are active. */
export async function scaleTo(count: number, context: ScaleContext): Promise<void> {
  const slots = activeSlots(context.slots);
  const from = slots.length;
  if (count > from) {
    let next = Math.max(0, ...context.slots.keys()) + 1;
    const added: Slot[] = [];
    for (let i = from; i < count; i++) added.push(context.addSlot(next++));
    await context.settled(added);
  } else {
    await Promise.all(surplusSlots(slots, count).map((slot) => context.retire(slot)));
  }
  context.emit("scale", { from, to: count });
  context.log("info", `scaled from ${from} to ${count} worker${count === 1 ? "" : "s"}`);
}
