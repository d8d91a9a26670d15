/**
 * The limits on worker-to-worker messages (worker.broadcast / worker.send), one
 * definition for both sides: the worker checks them before sending, so the app
 * gets a clear error at the call that broke them; the primary checks them again,
 * because a worker can bypass the API and write to its channel directly, and
 * drops (and counts) what is over.
 */

/** Largest message, in bytes of its JSON text (the data; the topic is bounded apart). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Longest topic, in characters. */
export const MAX_TOPIC_LENGTH = 256;
/** Messages per second a worker may send, sustained (a broadcast counts once). */
export const MESSAGE_RATE = 5_000;
/** Messages a worker may send at once after being quiet (the bucket's size). */
export const MESSAGE_BURST = 5_000;
/**
 * The primary counts messages as they arrive, not as they were sent: a channel that was
 * backed up (a busy primary, 2 cores shared by many processes) delivers seconds' worth at
 * once. Its bucket is twice as fast and four times as deep, so a sender within its own limit
 * is not dropped there (measured: with the API's own figures, 23,289 of 160,000 were; at
 * twice both, 839 of 780,000 on a machine at load 17); one that bypasses the API is.
 */
const PRIMARY_RATE_SLACK = 2;
const PRIMARY_BURST_SLACK = 4;

/**
 * A token bucket: `take()` spends one token if there is one. Refilled at `rate`
 * per second up to `burst`, from the monotonic clock passed in (tests drive it).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate = MESSAGE_RATE,
    private readonly burst = MESSAGE_BURST,
    now = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = performance.now()): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A worker's budget as the primary keeps it (see PRIMARY_RATE_SLACK). */
export function primaryBudget(): TokenBucket {
  return new TokenBucket(MESSAGE_RATE * PRIMARY_RATE_SLACK, MESSAGE_BURST * PRIMARY_BURST_SLACK);
}

/** Why a topic is not acceptable, or null if it is. */
export function topicProblem(topic: unknown): string | null {
  if (typeof topic !== "string" || topic.length === 0) return "the topic must be a non-empty string";
  if (topic.length > MAX_TOPIC_LENGTH) return `the topic is ${topic.length} characters; at most ${MAX_TOPIC_LENGTH} are allowed`;
  return null;
}
