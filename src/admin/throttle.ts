/**
 * Wrong admin tokens, counted per client: after FAILURES_ALLOWED wrong tokens
 * within WINDOW_MS, that client's token checks answer 429 until its window ends,
 * right token or not (answering a right token would tell a guesser when it hit).
 *
 * Memory is bounded whatever arrives: at most MAX_CLIENTS entries, the oldest
 * forgotten first. IPv6 clients are counted per /64, the block one host usually
 * holds, so hopping addresses within it gains nothing. A token of 16+ characters
 * cannot be guessed anyway; this keeps a guesser from trying, and from filling logs.
 */
import { isIPv6 } from "node:net";

export const FAILURES_ALLOWED = 10;
export const WINDOW_MS = 60_000;
export const MAX_CLIENTS = 4096;

interface Window {
  startedAt: number;
  failures: number;
}

export class FailureThrottle {
  /** Insertion order is age order: a Map iterates oldest first. */
  private readonly clients = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits = { failures: FAILURES_ALLOWED, windowMs: WINDOW_MS, clients: MAX_CLIENTS },
  ) {}

  /** Milliseconds until `address` may try a token again; 0 when it may now. */
  retryAfterMs(address: string | undefined): number {
    const window = this.current(clientKey(address));
    if (window === null || window.failures < this.limits.failures) return 0;
    return window.startedAt + this.limits.windowMs - this.now();
  }

  /** `address` presented a wrong token. */
  fail(address: string | undefined): void {
    const key = clientKey(address);
    const window = this.current(key);
    if (window !== null) {
      window.failures++;
      return;
    }
    if (this.clients.size >= this.limits.clients) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(key, { startedAt: this.now(), failures: 1 });
  }

  /** Clients tracked now (for tests: it never exceeds the limit). */
  get size(): number {
    return this.clients.size;
  }

  private current(key: string): Window | null {
    const window = this.clients.get(key);
    if (window === undefined) return null;
    if (this.now() - window.startedAt < this.limits.windowMs) return window;
    this.clients.delete(key);
    return null;
  }
}

/** "1.2.3.4" and "::ffff:1.2.3.4" → "1.2.3.4"; an IPv6 address → its /64. */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return "";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return expandIPv6(address).slice(0, 4).join(":") + "::/64";
}

function expandIPv6(address: string): string[] {
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = address.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return groups.map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""));
}
