import { MAX_PENDING_HANDOFFS, type Balancer, type Candidate } from "./types.js";

/**
 * Sticky sessions by client address, with rendezvous (highest random weight)
 * hashing over slot ids: each (address, slot) pair gets a score and the highest
 * ready slot wins. When a slot leaves, only the addresses it won move (each to
 * its second-best slot); when it returns, exactly those come back. A slot with
 * MAX_PENDING_HANDOFFS unacknowledged (stopped, or not reading its channel) counts
 * as gone until it catches up, so its addresses move the same way meanwhile.
 */
export function ipHash(): Balancer {
  return {
    name: "ip-hash",
    needsPeerAddress: true,
    pick<C extends Candidate>(candidates: readonly C[], peerAddress: string): C | undefined {
      const addressHash = fnv1a(normalizeAddress(peerAddress));
      let best: C | undefined;
      let bestScore = -1;
      for (const candidate of candidates) {
        if (candidate.pendingHandoffs >= MAX_PENDING_HANDOFFS) continue;
        const score = mix(addressHash ^ Math.imul(candidate.slotId, 0x9e3779b1));
        if (score > bestScore || (score === bestScore && best !== undefined && candidate.slotId < best.slotId)) {
          best = candidate;
          bestScore = score;
        }
      }
      return best;
    },
  };
}

/** IPv4-mapped IPv6 ("::ffff:10.0.0.1") hashes as the IPv4 address it is. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finaliser: spreads the combined bits so scores are independent per slot. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
