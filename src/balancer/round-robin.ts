import type { Balancer, Candidate } from "./types.js";

/**
 * The next ready worker in turn, skipping one that has not acknowledged its
 * previous hand-off (node:cluster's back-pressure: a busy or stuck worker is
 * not handed a second connection; if every worker is busy, the connection waits).
 */
export function roundRobin(): Balancer {
  let cursor = 0;
  return {
    name: "round-robin",
    needsPeerAddress: false,
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const n = candidates.length;
      for (let i = 0; i < n; i++) {
        const index = (cursor + i) % n;
        const candidate = candidates[index]!;
        if (candidate.pendingHandoffs === 0) {
          cursor = index + 1;
          return candidate;
        }
      }
      return undefined;
    },
  };
}
