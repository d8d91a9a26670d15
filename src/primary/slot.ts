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
  /** The last stderr lines of the worker that crashed last, for the crash-loop report. */
  lastStderr: string[];
}

export function newSlot(id: number): Slot {
  return { id, state: "running", worker: null, restarts: 0, streak: 0, timer: null, lastStderr: [] };
}
