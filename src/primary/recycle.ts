/**
 * Worker recycling (--max-requests with --max-requests-jitter, --max-age): a
 * worker that served its share, or lived its time, is replaced as a reload
 * replaces it — for apps that leak or fragment slowly. gunicorn's semantics:
 * each worker draws its own limit, max + a random 0..jitter, when it is forked,
 * so workers started together are not all replaced at the same moment; the count
 * is the requests the worker reported in its last heartbeat. --max-age gets the
 * same spread, up to 10 % of it. Pure: the supervisor does the replacing.
 */
import type { WorkerState } from "../status.js";

export interface RecycleOptions {
  /** 0 = no limit. */
  readonly maxRequests: number;
  readonly maxRequestsJitter: number;
  /** 0 = no limit. */
  readonly maxAgeMs: number;
}

/** One worker's limits, drawn when it is forked; Infinity where the option is off. */
export interface WorkerLimits {
  readonly requests: number;
  readonly ageMs: number;
}

/** The parts of a worker's record the check reads (a ManagedWorker, or a plain object in tests). */
export interface RecycleFacts {
  readonly state: WorkerState;
  readonly killReason: string | null;
  /** Date.now() when it was forked. */
  readonly forkedAt: number;
  readonly stats: { readonly requests: number } | null;
}

const AGE_JITTER = 0.1;

export function drawLimits(options: RecycleOptions, random: () => number = Math.random): WorkerLimits {
  return {
    requests: options.maxRequests > 0 ? options.maxRequests + Math.floor(random() * (options.maxRequestsJitter + 1)) : Infinity,
    ageMs: options.maxAgeMs > 0 ? options.maxAgeMs + Math.floor(random() * options.maxAgeMs * AGE_JITTER) : Infinity,
  };
}

/** Why a ready worker is due for replacement, or null: only ready workers not already being replaced are judged. */
export function recycleReason(worker: RecycleFacts, limits: WorkerLimits, now: number): string | null {
  if (worker.state !== "ready" || worker.killReason) return null;
  const served = worker.stats?.requests ?? 0;
  if (served >= limits.requests) return `served ${served} requests (--max-requests, its limit ${limits.requests})`;
  const age = now - worker.forkedAt;
  if (age >= limits.ageMs) return `is ${Math.round(age / 1000)} s old (--max-age, its limit ${Math.round(limits.ageMs / 1000)} s)`;
  return null;
}

/** The limits of every live worker, drawn at fork; a worker the supervisor forgot is simply never due. */
export class Recycler {
  private readonly limits = new WeakMap<object, WorkerLimits>();

  constructor(private readonly options: RecycleOptions) {}

  get enabled(): boolean {
    return this.options.maxRequests > 0 || this.options.maxAgeMs > 0;
  }

  forked(worker: object): void {
    if (this.enabled) this.limits.set(worker, drawLimits(this.options));
  }

  reason(worker: RecycleFacts, now = Date.now()): string | null {
    const limits = this.limits.get(worker);
    return limits ? recycleReason(worker, limits, now) : null;
  }
}
