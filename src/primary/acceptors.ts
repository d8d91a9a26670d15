/**
 * The primary's listening sockets, keyed like node:cluster's handles. Answers
 * workers' listen requests (opening a socket on first use, sharing it after),
 * and keeps each acceptor's candidate list in step with worker states.
 *
 * Acceptors stay open while workers come and go (a crash, a reload, a restart in
 * backoff): connections wait in the queue for the next ready worker instead of
 * being refused. One closes only when the app itself closed its server in every
 * worker, or at shutdown.
 */
import { createBalancer } from "../balancer/index.js";
import type { BalanceStrategy } from "../config/types.js";
import { CMD, type ListenReply, type ListenRequest, type SockName } from "../protocol.js";
import { Acceptor } from "./acceptor.js";
import type { ManagedWorker } from "./managed-worker.js";
import { ReservedPort } from "./reserved-port.js";

interface Entry {
  /** A listening socket that hands off connections, or (`--balance os`) a port held for workers that listen themselves. */
  acceptor: Acceptor | ReservedPort;
  opened: Promise<SockName>;
}

export class Acceptors {
  private readonly byKey = new Map<string, Entry>();
  private seq = 0;
  /** Connections dropped after waiting too long or overflowing the queue. */
  dropped = 0;
  /** Connections a worker accepted. */
  handoffs = 0;
  private closed = false;

  constructor(
    private readonly strategy: BalanceStrategy,
    private readonly limits: { maxQueue: number; queueTimeoutMs: number },
  ) {}

  async listen(worker: ManagedWorker, request: ListenRequest): Promise<ListenReply | null> {
    const reply = (error: string | null, sockname: SockName | null): ListenReply => ({
      cmd: CMD, act: "listening", seq: request.seq, error, sockname,
    });
    // Shutting down: leave the listen unanswered. The worker is being drained and exits; an
    // error here would only make the app crash loudly on its way out.
    if (this.closed) return null;
    let entry = this.byKey.get(request.key);
    if (!entry) {
      const acceptor = this.strategy === "os"
        ? new ReservedPort(request)
        : new Acceptor(request, createBalancer(this.strategy), {
          maxQueue: this.limits.maxQueue,
          queueTimeoutMs: this.limits.queueTimeoutMs,
          nextSeq: () => (this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER),
          onDropped: () => this.dropped++,
        });
      entry = { acceptor, opened: acceptor.open() };
      this.byKey.set(request.key, entry);
    }
    try {
      const sockname = await entry.opened;
      if (worker.state === "stopped" || this.closed) return null;
      worker.keys.add(request.key);
      entry.acceptor.add(worker);
      return reply(null, sockname);
    } catch (error) {
      if (this.byKey.get(request.key) === entry) this.byKey.delete(request.key);
      return reply((error as NodeJS.ErrnoException).code ?? "EINVAL", null);
    }
  }

  /** The worker's app closed its server on `key`. */
  close(worker: ManagedWorker, key: string): void {
    const entry = this.byKey.get(key);
    worker.keys.delete(key);
    if (!entry) return;
    entry.acceptor.remove(worker);
    if (entry.acceptor.workers.size === 0 && worker.state !== "draining") {
      entry.acceptor.close();
      this.byKey.delete(key);
    }
  }

  /** The worker changed state: re-evaluate who may receive connections. */
  refresh(worker: ManagedWorker): void {
    for (const key of worker.keys) this.byKey.get(key)?.acceptor.refresh();
  }

  /** The worker is gone (or its channel is): take it out and re-distribute what it never acknowledged. */
  detach(worker: ManagedWorker): void {
    for (const key of worker.keys) this.byKey.get(key)?.acceptor.remove(worker);
    worker.keys.clear();
    const pending = [...worker.pending.values()];
    worker.pending.clear();
    for (const { handle, owner } of pending) owner.distribute(handle);
  }

  /** A worker acknowledged hand-off `seq`. */
  acknowledge(worker: ManagedWorker, seq: number, accepted: boolean, connections: number): void {
    const pending = worker.pending.get(seq);
    if (!pending) return;
    worker.pending.delete(seq);
    worker.connections = connections;
    if (accepted) {
      pending.handle.close(); // the worker has its own copy now
      worker.handoffs++;
      this.handoffs++;
      pending.owner.flush();
    } else {
      pending.owner.distribute(pending.handle);
    }
  }

  closeAll(): void {
    this.closed = true;
    for (const { acceptor } of this.byKey.values()) acceptor.close();
    this.byKey.clear();
  }

  get listening(): SockName[] {
    return [...this.byKey.values()].flatMap(({ acceptor }) => (acceptor.sockname ? [acceptor.sockname] : []));
  }


  get queued(): number {
    let total = 0;
    for (const { acceptor } of this.byKey.values()) total += acceptor.queued;
    return total;
  }
}
