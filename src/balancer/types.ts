/**
 * A balancing strategy picks the worker for one incoming connection.
 * It sees a read-only view of the *ready* workers listening on that socket and
 * returns one, or undefined to make the connection wait in the primary's queue.
 * Strategies do no I/O, so they are table-tested with plain objects.
 */
export interface Candidate {
  /** Slot id: stable across restarts of a slot (ip-hash hashes on it). */
  readonly slotId: number;
  /** Hand-offs sent to this worker and not yet acknowledged. */
  readonly pendingHandoffs: number;
  /** Open connections, as last reported by the worker plus hand-offs since. */
  readonly connections: number;
}

/**
 * Hand-offs a worker may have unacknowledged at once. A worker that stops reading its IPC
 * channel (SIGSTOP, a blocked event loop) would otherwise collect one fd per connection
 * until the hang timeout; past this it is skipped (round-robin already skips at 1) and
 * the connection goes to another worker or waits in the primary's queue.
 */
export const MAX_PENDING_HANDOFFS = 16;

export interface Balancer {
  readonly name: string;
  /** True if `pick` needs the client's address (costs a getpeername per connection). */
  readonly needsPeerAddress: boolean;
  pick<C extends Candidate>(candidates: readonly C[], peerAddress: string): C | undefined;
}
