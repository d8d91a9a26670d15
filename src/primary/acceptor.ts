/**
 * One listening socket in the primary, shared by every worker that listens on
 * the same (address, port). It takes raw TCP handles straight from libuv
 * (`onconnection` of the listening handle — no net.Socket is ever built in the
 * primary) and hands each to the worker its balancer picks, as node:cluster's
 * round_robin_handle does.
 *
 * A connection no worker can take right now waits in a queue, oldest first:
 * - while a ready worker exists (every one is busy acknowledging a hand-off: a
 *   burst), it waits its turn, as in node's round_robin_handle; nothing is dropped;
 * - while no worker is ready (an outage: all restarting, or none ready yet) the
 *   queue is capped at --max-queue. Clients that reset while they waited are found
 *   (getpeername fails) and closed, so they hold no slot; past that, the newest
 *   connection is closed: those that waited keep their place (a flood of
 *   connections cannot push them out) and will be served first.
 * Either way one that waited --queue-timeout is closed.
 */
import net from "node:net";
import type { Balancer } from "../balancer/types.js";
import { CMD, type ListenRequest, type SockName } from "../protocol.js";
import type { InheritedSocket } from "./inherited-sockets.js";
import type { ManagedWorker } from "./managed-worker.js";

export interface RawHandle {
  close(): void;
  getpeername?(out: Record<string, unknown>): number;
}

export interface AcceptorLimits {
  maxQueue: number;
  queueTimeoutMs: number;
  /** Assigns the hand-off sequence number (unique across acceptors, for ack matching). */
  nextSeq(): number;
  onDropped(): void;
}

export class Acceptor {
  readonly server = net.createServer();
  sockname: SockName | null = null;
  /** Every worker listening on this socket. */
  readonly workers = new Set<ManagedWorker>();
  /** The ready subset, in a stable order: what the balancer chooses from. */
  private candidates: ManagedWorker[] = [];
  /** Connections waiting for a worker, oldest first, and when each arrived (parallel arrays: no object per connection). */
  private readonly queue: RawHandle[] = [];
  private readonly queuedAt: number[] = [];
  private queueTimer: NodeJS.Timeout | null = null;
  /** Connections queued since the queue was last searched for clients that left (bounds the search's cost). */
  private queuedSinceSweep = 0;
  private closed = false;
  private readonly peer: Record<string, unknown> = {};
  constructor(
    readonly request: ListenRequest,
    private balancer: Balancer,
    private readonly limits: AcceptorLimits,
    /** A socket passed to this process (socket activation, `corral upgrade`): listened on, not bound. */
    readonly inherited: InheritedSocket | null = null,
  ) {}

  open(): Promise<SockName> {
    const { address, port, backlog, ipv6Only } = this.request;
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      const listening = (): void => {
        this.server.off("error", reject);
        // From here on libuv calls us with raw handles; net.Server never sees a connection.
        const handle = (this.server as unknown as { _handle: { onconnection: unknown } })._handle;
        handle.onconnection = (error: number, clientHandle?: RawHandle) => {
          if (error === 0 && clientHandle) this.distribute(clientHandle);
        };
        const info = this.server.address() as net.AddressInfo;
        this.sockname = { address: info.address, port: info.port, family: info.family };
        resolve(this.sockname);
      };
      if (this.inherited) this.server.listen(this.inherited.handle, backlog || 511, listening);
      else this.server.listen({ host: address ?? undefined, port, backlog, ipv6Only }, listening);
    });
  }

  /**
   * `corral upgrade`: the new primary accepts from this socket now. This one stops taking
   * connections from it (the kernel queue is theirs) but hands on what it already took.
   */
  stopAccepting(): void {
    this.server.close();
  }

  /** The listening socket's fd (passed to the new primary by `corral upgrade`), null when not listening. */
  get fd(): number | null {
    const fd = (this.server as unknown as { _handle: { fd?: number } | null })._handle?.fd;
    return typeof fd === "number" && fd >= 0 ? fd : null;
  }

  add(worker: ManagedWorker): void {
    if (this.closed) return;
    this.workers.add(worker);
    this.refresh();
  }

  remove(worker: ManagedWorker): void {
    this.workers.delete(worker);
    this.refresh();
  }

  /** Recomputes the candidates after a worker changed state; flushes the queue if someone can take it. */
  refresh(): void {
    if (this.closed) return;
    this.candidates = [...this.workers].filter((w) => w.state === "ready").sort((a, b) => a.slotId - b.slotId);
    if (this.candidates.length === 0) this.trim(); // an outage begins: the burst queue becomes the capped one
    this.flush();
  }

  /**
   * A reload changed --balance: later connections, and those queued now, go by `balancer`;
   * those already handed off stay where they are. Its state is the workers' own (pending
   * hand-offs, open connections), so it needs nothing from the previous picker.
   */
  useBalancer(balancer: Balancer): void {
    this.balancer = balancer;
    this.flush();
  }

  /** Whether `worker` is one the balancer may pick now (ready and listening here). */
  isCandidate(worker: ManagedWorker): boolean {
    return this.candidates.includes(worker);
  }

  /**
   * Hands a connection to a worker, or queues it. `refusals` counts refusals by ready
   * workers whose server is full (`maxConnections`): once there were as many as there are
   * ready workers it is closed, which is what node does for one full server. (Counting,
   * not remembering who refused, keeps this allocation-free and can never loop: a full
   * worker offered it twice while another was busy means a closed connection, not a spin.)
   */
  distribute(handle: RawHandle, refusals = 0): void {
    if (this.closed) return handle.close();
    if (refusals > 0 && refusals >= this.candidates.length) return handle.close();
    const worker = this.balancer.pick(this.candidates, this.peerOf(handle));
    if (worker === undefined) return this.enqueue(handle);
    this.handOff(worker, handle, refusals);
  }

  private handOff(worker: ManagedWorker, handle: RawHandle, refusals: number): void {
    const seq = this.limits.nextSeq();
    worker.pending.set(seq, { handle, owner: this, refusals });
    worker.send({ cmd: CMD, act: "conn", key: this.request.key, seq }, handle);
  }

  /** Hands queued connections to workers that can take them now. */
  flush(): void {
    while (this.queue.length > 0) {
      const handle = this.queue[0]!;
      // One getpeername per queued connection: a client that reset while it waited is not handed on.
      if (!this.connected(handle)) {
        this.queuedAt.shift();
        this.queue.shift();
        handle.close();
        continue;
      }
      const worker = this.balancer.pick(this.candidates, this.balancer.needsPeerAddress ? this.peerAddress() : "");
      if (worker === undefined) return;
      this.queuedAt.shift();
      this.queue.shift();
      this.handOff(worker, handle, 0);
    }
    // The expiry timer is left running: under load the queue empties and refills on most
    // acknowledgements, and re-arming an interval each time showed in the primary's profile.
    // It stops itself on its next tick if the queue is still empty.
  }

  private peerOf(handle: RawHandle): string {
    if (!this.balancer.needsPeerAddress || !handle.getpeername) return "";
    handle.getpeername(this.peer);
    return this.peerAddress();
  }

  private peerAddress(): string {
    return (this.peer.address as string | undefined) ?? "";
  }

  /**
   * False once the client is gone: a reset TCP socket is in state CLOSE, where getpeername
   * fails (ENOTCONN). A client that only half-closed (FIN) may still wait for its answer
   * and still counts. Leaves the address in `this.peer`.
   */
  private connected(handle: RawHandle): boolean {
    return !handle.getpeername || handle.getpeername(this.peer) === 0;
  }

  private enqueue(handle: RawHandle): void {
    this.queue.push(handle);
    this.queuedAt.push(Date.now());
    this.queuedSinceSweep++;
    if (this.candidates.length === 0) this.trim();
    if (this.queueTimer === null) {
      const tick = Math.max(50, Math.min(1000, this.limits.queueTimeoutMs / 4));
      this.queueTimer = setInterval(() => this.expire(), tick);
      this.queueTimer.unref();
    }
  }

  /**
   * The outage cap (--max-queue). Slots held by clients that reset are freed first: the
   * search (one syscall per entry) runs at most once per 1/16 of the cap of new arrivals.
   * Then the newest are closed, never one that waited longer.
   */
  private trim(): void {
    if (this.queue.length <= this.limits.maxQueue) return;
    if (this.queuedSinceSweep >= Math.max(1, this.limits.maxQueue >> 4)) this.sweep();
    while (this.queue.length > this.limits.maxQueue) {
      this.queuedAt.pop();
      this.queue.pop()!.close();
      this.limits.onDropped();
    }
  }

  /** Closes queued connections whose client is gone, keeping the rest in order. */
  private sweep(): void {
    this.queuedSinceSweep = 0;
    let kept = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const handle = this.queue[i]!;
      if (!this.connected(handle)) {
        handle.close();
        continue;
      }
      this.queue[kept] = handle;
      this.queuedAt[kept] = this.queuedAt[i]!;
      kept++;
    }
    this.queue.length = kept;
    this.queuedAt.length = kept;
  }

  private expire(): void {
    // During an outage the queue can sit for long: free the fds of clients that left meanwhile.
    if (this.candidates.length === 0) this.sweep();
    const cutoff = Date.now() - this.limits.queueTimeoutMs;
    while (this.queue.length > 0 && this.queuedAt[0]! <= cutoff) this.dropOldest();
    if (this.queue.length === 0) this.stopQueueTimer();
  }

  private dropOldest(): void {
    this.queuedAt.shift();
    this.queue.shift()!.close();
    this.limits.onDropped();
  }

  private stopQueueTimer(): void {
    if (this.queue.length === 0 && this.queueTimer !== null) {
      clearInterval(this.queueTimer);
      this.queueTimer = null;
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Stops accepting for good; connections still waiting are closed, and so is any
   * hand-off that comes back refused later (no worker here is a candidate any more).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.candidates = [];
    this.workers.clear();
    this.queuedAt.length = 0;
    for (const handle of this.queue.splice(0)) handle.close();
    this.stopQueueTimer();
    this.server.close();
  }
}
