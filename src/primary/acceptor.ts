/**
 * One listening socket in the primary, shared by every worker that listens on
 * the same (address, port). It takes raw TCP handles straight from libuv
 * (`onconnection` of the listening handle — no net.Socket is ever built in the
 * primary) and hands each to the worker its balancer picks, as node:cluster's
 * round_robin_handle does. While no worker can take a connection it waits in a
 * bounded queue; past --max-queue or --queue-timeout it is closed.
 */
import net from "node:net";
import type { Balancer } from "../balancer/types.js";
import { CMD, type ListenRequest, type SockName } from "../protocol.js";
import type { ManagedWorker } from "./managed-worker.js";

interface RawHandle {
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
  private readonly peer: Record<string, unknown> = {};
  constructor(
    readonly request: ListenRequest,
    private readonly balancer: Balancer,
    private readonly limits: AcceptorLimits,
  ) {}

  open(): Promise<SockName> {
    const { address, port, backlog, ipv6Only } = this.request;
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: address ?? undefined, port, backlog, ipv6Only }, () => {
        this.server.off("error", reject);
        // From here on libuv calls us with raw handles; net.Server never sees a connection.
        const handle = (this.server as unknown as { _handle: { onconnection: unknown } })._handle;
        handle.onconnection = (error: number, clientHandle?: RawHandle) => {
          if (error === 0 && clientHandle) this.distribute(clientHandle);
        };
        const info = this.server.address() as net.AddressInfo;
        this.sockname = { address: info.address, port: info.port, family: info.family };
        resolve(this.sockname);
      });
    });
  }

  add(worker: ManagedWorker): void {
    this.workers.add(worker);
    this.refresh();
  }

  remove(worker: ManagedWorker): void {
    this.workers.delete(worker);
    this.refresh();
  }

  /** Recomputes the candidates after a worker changed state; flushes the queue if someone can take it. */
  refresh(): void {
    this.candidates = [...this.workers].filter((w) => w.state === "ready").sort((a, b) => a.slotId - b.slotId);
    this.flush();
  }

  distribute(handle: RawHandle): void {
    const worker = this.balancer.pick(this.candidates, this.peerOf(handle));
    if (worker === undefined) return this.enqueue(handle);
    this.handOff(worker, handle);
  }

  private handOff(worker: ManagedWorker, handle: RawHandle): void {
    const seq = this.limits.nextSeq();
    worker.pending.set(seq, { handle, owner: this });
    worker.send({ cmd: CMD, act: "conn", key: this.request.key, seq }, handle);
  }

  /** Hands queued connections to workers that can take them now. */
  flush(): void {
    while (this.queue.length > 0) {
      const worker = this.balancer.pick(this.candidates, this.peerOf(this.queue[0]!));
      if (worker === undefined) return;
      this.queuedAt.shift();
      this.handOff(worker, this.queue.shift()!);
    }
    // The expiry timer is left running: under load the queue empties and refills on most
    // acknowledgements, and re-arming an interval each time showed in the primary's profile.
    // It stops itself on its next tick if the queue is still empty.
  }

  private peerOf(handle: RawHandle): string {
    if (!this.balancer.needsPeerAddress || !handle.getpeername) return "";
    handle.getpeername(this.peer);
    return (this.peer.address as string | undefined) ?? "";
  }

  private enqueue(handle: RawHandle): void {
    this.queue.push(handle);
    this.queuedAt.push(Date.now());
    if (this.queue.length > this.limits.maxQueue) this.dropOldest();
    if (this.queueTimer === null) {
      const tick = Math.max(50, Math.min(1000, this.limits.queueTimeoutMs / 4));
      this.queueTimer = setInterval(() => this.expire(), tick);
      this.queueTimer.unref();
    }
  }

  private expire(): void {
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

  /** Stops accepting; connections still waiting in the queue are closed. */
  close(): void {
    this.queuedAt.length = 0;
    for (const handle of this.queue.splice(0)) handle.close();
    this.stopQueueTimer();
    this.server.close();
  }
}
