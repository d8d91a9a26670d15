/**
 * A slot is a place for one worker, numbered 1..N, that outlives the processes
 * in it. Its id is the worker id users see (`worker.id`, logs, metrics) and
 * what ip-hash hashes on, so a replacement inherits its predecessor's clients.
 *
 * Slot states: running (has a worker, starting or ready) · backoff (waiting to
 * restart a crashed worker) · errored (gave up after a crash loop) · retired
 * (scaled away, its worker draining).
 */
import type { SlotState } from "../status.js";
import type { ManagedWorker } from "./managed-worker.js";

export interface Slot {
  readonly id: number;
  state: SlotState;
  /** The slot's current worker; a worker being replaced or drained is no longer here. */
  worker: ManagedWorker | null;
  restarts: number;
  /** Consecutive crashes before --min-uptime. */
  streak: number;
  timer: NodeJS.Timeout | null;
  /** The crash report (crash-report.ts) of this slot's last crashed worker, for the crash-loop report. */
  lastStderr: string[];
  /** When that worker exited (ms since the epoch); 0 before any crash. */
  lastCrashAt: number;
  /** Replacements of its worker (over --max-memory) that failed in a row, and when to try again. */
  replaceFailures: number;
  replaceRetryAt: number;
}

export function newSlot(id: number): Slot {
  return { id, state: "running", worker: null, restarts: 0, streak: 0, timer: null, lastStderr: [], lastCrashAt: 0, replaceFailures: 0, replaceRetryAt: 0 };
}

/** How much a slot serves, for choosing what to scale away: a slot that gave up first, a ready worker last. */
function serving(slot: Slot): number {
  if (slot.state === "errored") return 0;
  if (slot.state === "backoff" || slot.worker === null) return 1;
  return slot.worker.state === "ready" ? 3 : 2;
}

/** The slots to retire to keep `keep` of `slots`: the ones serving least, then the highest ids. */
export function surplusSlots(slots: readonly Slot[], keep: number): Slot[] {
  const order = [...slots].sort((a, b) => serving(a) - serving(b) || b.id - a.id);
  return order.slice(0, Math.max(0, slots.length - keep));
}

/** Slots not scaled away, by id: the ones the supervisor is asked to keep filled. */
export function activeSlots(slots: ReadonlyMap<number, Slot>): Slot[] {
  return [...slots.values()].filter((s) => s.state !== "retired").sort((a, b) => a.id - b.id);
}

/** Slots whose current worker is ready. */
export function countReady(slots: ReadonlyMap<number, Slot>): number {
  let ready = 0;
  for (const slot of slots.values()) if (slot.worker?.state === "ready") ready++;
  return ready;
}

/** A start or scale-up is done with a slot once its worker is ready, or it gave up, or it was scaled away. */
export function isSettled(slot: Slot): boolean {
  return slot.state === "errored" || slot.state === "retired" || slot.worker?.state === "ready";
}

/** For the crash-loop report: the crash report of the most recent crash that wrote stderr. */
export function lastCrashOutput(slots: ReadonlyMap<number, Slot>): readonly string[] {
  let latest: Slot | null = null;
  for (const slot of slots.values()) {
    if (slot.lastStderr.length > 0 && (latest === null || slot.lastCrashAt > latest.lastCrashAt)) latest = slot;
  }
  return latest?.lastStderr ?? [];
}

export function clearSlotTimer(slot: Slot): void {
  if (slot.timer) clearTimeout(slot.timer);
  slot.timer = null;
}
