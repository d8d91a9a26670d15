import { MAX_PENDING_HANDOFFS, type Balancer, type Candidate } from "./types.js";

/**
 * The ready worker with the fewest open connections (counting hand-offs not yet
 * acknowledged). Ties rotate, so equal workers share new connections evenly
 * instead of the first one taking every tie. A worker with MAX_PENDING_HANDOFFS
 * unacknowledged is skipped: it is not reading its channel.
 */
export function leastConnections(): Balancer {
  let cursor = 0;
  return {
    name: "least-connections",
    needsPeerAddress: false,
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const n = candidates.length;
      let best: C | undefined;
      let bestLoad = Infinity;
      let bestIndex = 0;
      for (let i = 0; i < n; i++) {
        const index = (cursor + i) % n;
        const candidate = candidates[index]!;
        if (candidate.pendingHandoffs >= MAX_PENDING_HANDOFFS) continue;
        const load = candidate.connections + candidate.pendingHandoffs;
        if (load < bestLoad) {
          best = candidate;
          bestLoad = load;
          bestIndex = index;
        }
      }
      if (best !== undefined) cursor = bestIndex + 1;
      return best;
    },
  };
}
