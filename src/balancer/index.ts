import type { BalanceStrategy } from "../config/types.js";
import { ipHash } from "./ip-hash.js";
import { leastConnections } from "./least-connections.js";
import { roundRobin } from "./round-robin.js";
import type { Balancer } from "./types.js";

export type { Balancer, Candidate } from "./types.js";

/** A fresh balancer (with its own cursor) for one acceptor. `os` has none: the kernel balances. */
export function createBalancer(strategy: Exclude<BalanceStrategy, "os">): Balancer {
  switch (strategy) {
    case "round-robin":
      return roundRobin();
    case "least-connections":
      return leastConnections();
    case "ip-hash":
      return ipHash();
  }
}
