/**
 * What the app's own health checks (worker.healthCheck) mean for a worker.
 * Pure functions over the workers' records; the supervisor does the replacing.
 *
 * One worker failing while its peers pass is a sick worker: replace it. Every
 * serving worker failing at once is not sickness but overload (or a dependency
 * they all share is down): fresh workers would fail the same way, and
 * replacing them would only add start-up work to an overloaded host. That is
 * reported and nothing is replaced. So a worker is replaced only while another
 * serving worker passes its checks: when failures begin on several workers a
 * heartbeat apart, none of them is replaced on the way to overload. The same
 * rule keeps the last ready worker: if it fails, every serving worker fails.
 */
import type { WorkerState } from "../../status.js";

export interface CheckedWorker {
  readonly state: WorkerState;
  /** Set once we decided to stop it: it is not judged again. */
  readonly killReason: string | null;
  /** Failed health checks in a row (0 after one that passed). */
  readonly failedChecks: number;
  readonly healthError: string | null;
}

export type HealthVerdict = { action: "keep" } | { action: "replace"; reason: string };

/** Why the service is overloaded, or null: every serving worker has failed `unhealthyAfter` checks in a row. */
export function overloadReason(serving: readonly CheckedWorker[], unhealthyAfter: number): string | null {
  if (serving.length === 0 || serving.some((w) => w.failedChecks < unhealthyAfter)) return null;
  const errors = [...new Set(serving.map((w) => w.healthError).filter((e): e is string => e !== null))].slice(0, 3);
  const all = serving.length === 1 ? "the only ready worker fails" : `all ${serving.length} ready workers fail`;
  return `overload: ${all} the app's health check (${errors.join("; ") || "no reason given"}); replacing none`;
}

/** Whether `worker`, one of `serving` (the slots' ready workers), must be replaced for its failed checks. */
export function healthVerdict(worker: CheckedWorker, serving: readonly CheckedWorker[], unhealthyAfter: number): HealthVerdict {
  if (worker.state !== "ready" || worker.killReason || worker.failedChecks < unhealthyAfter) return { action: "keep" };
  if (!serving.includes(worker) || !serving.some((peer) => peer !== worker && peer.failedChecks === 0)) return { action: "keep" };
  const why = worker.healthError ? `: ${worker.healthError}` : "";
  return { action: "replace", reason: `unhealthy: failed ${worker.failedChecks} health checks in a row (--unhealthy-after ${unhealthyAfter})${why}` };
}
