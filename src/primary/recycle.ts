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

/** Why a worker is due: the option, its figures, and the log's words. */
export interface RecycleVerdict {
  readonly cause: "max-requests" | "max-age";
  /** Requests served (its last heartbeat's count) and its age, whichever the cause. */
  readonly requests: number;
  readonly ageMs: number;
  /** Its own limit, drawn at fork: requests for max-requests, ms for max-age. */
  readonly limit: number;
  readonly reason: string;
}

/** Why a ready worker is due for replacement, or null: only ready workers not already being replaced are judged. */
export function recycleVerdict(worker: RecycleFacts, limits: WorkerLimits, now: number): RecycleVerdict | null {
  if (worker.state !== "ready" || worker.killReason) return null;
  const requests = worker.stats?.requests ?? 0;
  const ageMs = now - worker.forkedAt;
  if (requests >= limits.requests) {
    return { cause: "max-requests", requests, ageMs, limit: limits.requests, reason: `served ${requests} requests (--max-requests, its limit ${limits.requests})` };
  }
  if (ageMs >= limits.ageMs) {
    const reason = `is ${Math.round(ageMs / 1000)} s old (--max-age, its limit ${Math.round(limits.ageMs / 1000)} s)`;
    return { cause: "max-age", requests, ageMs, limit: limits.ageMs, reason };
  }
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

  verdict(worker: RecycleFacts, now = Date.now()): RecycleVerdict | null {
    const limits = this.limits.get(worker);
    return limits ? recycleVerdict(worker, limits, now) : null;
  }
}
