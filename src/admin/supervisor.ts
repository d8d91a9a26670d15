/**
 * The supervisor as the admin server sees it: the one interface src/admin/
 * depends on. `Corral` (primary/corral.ts) implements it; the admin layer never
 * sends a worker a message nor reads a live worker record, it asks for data:
 *
 * - what the pages show: the snapshot (/status, /events), readiness (/readyz);
 * - what /metrics adds to the snapshot: per-slot counters that never go
 *   backwards (primary/slot-counters.ts) and a round of the app's own metrics
 *   from the workers (primary/metrics-gather.ts);
 * - the supervisor's events (/events), its log, and reload and scale, which the
 *   admin answers with the control socket's own handler (control/routes.ts);
 * - and, the other way, where the admin server listens (`corral status` and the
 *   dashboard show it).
 */
import type { WorkerChanges } from "../control/routes.js";
import type { AppMetricsRound } from "../primary/metrics-gather.js";
import type { SlotTotals } from "../primary/slot-counters.js";
import type { CorralEventName, CorralEvents, SupervisorSnapshot } from "../status.js";

export type { AppMetricsRound, SlotTotals };

export interface AdminSupervisor extends WorkerChanges {
  snapshot(): SupervisorSnapshot;
  /** Ready workers that are some slot's current worker. */
  readyCount(): number;
  readonly shuttingDown: boolean;
  /** "overload: …" while every ready worker fails the app's health check, else null (diagnostics/health-checks.ts). */
  readonly diagnostics: { readonly overload: string | null };
  /** The per-slot counters as of now (the live processes' last heartbeats included); read them at once. */
  slotTotals(): { totals(slotId: number): SlotTotals };
  /** Asks the ready and draining workers for their app's metrics; whoever has not answered within `timeoutMs` is left out. */
  gatherAppMetrics(timeoutMs: number): Promise<AppMetricsRound>;
  on<E extends CorralEventName>(event: E, listener: (payload: CorralEvents[E]) => void): unknown;
  off<E extends CorralEventName>(event: E, listener: (payload: CorralEvents[E]) => void): unknown;
  /** Writes a supervisor line (the admin server's own warnings). */
  log(level: "info" | "warn" | "error", message: string): void;
  /** The admin server listens at `url`. */
  adminListening(url: string): void;
  /** The admin server at `url` closed. */
  adminClosed(url: string): void;
}
