/**
 * Per-slot counters that never go backwards while the supervisor lives.
 *
 * A worker's figures (requests, CPU seconds, latency histogram, hand-offs) are
 * cumulative for its process, so they restart at 0 with every replacement and a
 * slot briefly has two processes during a reload. Exported as they are, every
 * reload would look like a counter reset, and Prometheus would read the drop as
 * a burst of new requests. Instead each slot keeps a base: when one of its
 * processes exits, its final figures (its last heartbeat) are added to the base,
 * and the exported value is base + the live processes' figures.
 *
 * The only loss is what a process did after its last heartbeat (≤ one
 * heartbeat interval), which no one could have reported anyway.
 */
import type { ManagedWorker } from "./managed-worker.js";
import { LATENCY_BUCKETS_MS } from "../protocol.js";

export interface SlotTotals {
  requests: number;
  cpuSeconds: number;
  handoffs: number;
  /** Per-bucket (not cumulative) counts, LATENCY_BUCKETS_MS then +Inf. */
  latencyCounts: number[];
  latencySumMs: number;
}

function zero(): SlotTotals {
  return { requests: 0, cpuSeconds: 0, handoffs: 0, latencyCounts: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), latencySumMs: 0 };
}

function add(into: SlotTotals, worker: ManagedWorker): void {
  into.handoffs += worker.handoffs;
  const stats = worker.stats;
  if (!stats) return;
  into.requests += stats.requests;
  into.cpuSeconds += stats.cpuSeconds;
  into.latencySumMs += stats.latencySumMs;
  for (let i = 0; i < into.latencyCounts.length; i++) into.latencyCounts[i]! += stats.latencyCounts[i] ?? 0;
}

export class SlotCounters {
  private readonly tracked = new Set<ManagedWorker>();
  private readonly base = new Map<number, SlotTotals>();

  /**
   * Starts tracking processes not seen before and folds the ones that exited.
   * Called on every fork (so even a short-lived process is counted) and before
   * every read.
   */
  observe(live: Iterable<ManagedWorker>): void {
    for (const worker of live) this.tracked.add(worker);
    for (const worker of this.tracked) {
      if (worker.state !== "stopped") continue;
      let base = this.base.get(worker.slotId);
      if (!base) this.base.set(worker.slotId, (base = zero()));
      add(base, worker);
      this.tracked.delete(worker);
    }
  }

  /** Totals for one slot: what its exited processes did plus what its live ones report. */
  totals(slotId: number): SlotTotals {
    const totals = zero();
    const base = this.base.get(slotId);
    if (base) {
      totals.requests = base.requests;
      totals.cpuSeconds = base.cpuSeconds;
      totals.handoffs = base.handoffs;
      totals.latencySumMs = base.latencySumMs;
      totals.latencyCounts = base.latencyCounts.slice();
    }
    for (const worker of this.tracked) if (worker.slotId === slotId) add(totals, worker);
    return totals;
  }
}
