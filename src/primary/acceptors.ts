/**
 * The primary's listening sockets, keyed like node:cluster's handles. Answers
 * workers' listen requests (opening a socket on first use, sharing it after),
 * and keeps each acceptor's candidate list in step with worker states.
 *
 * Acceptors stay open while workers come and go (a crash, a reload, a restart in
 * backoff, a worker draining itself on SIGTERM): connections wait in the queue for
 * the next ready worker instead of being refused. One closes when the app itself
 * closed its server in every worker, when its last worker left while the app
 * serves elsewhere (a reload to code that no longer listens there), or at shutdown.
 */
import { createBalancer } from "../balancer/index.js";
import type { BalanceStrategy } from "../config/types.js";
import { CMD, type ListenReply, type ListenRequest, type SockName } from "../protocol.js";
import { Acceptor } from "./acceptor.js";
import type { InheritedSockets } from "./inherited-sockets.js";
import type { ManagedWorker } from "./managed-worker.js";
import { ReservedPort } from "./reserved-port.js";

interface Entry {
  /** A listening socket that hands off connections, or (`--balance os`) a port held for workers that listen themselves. */
  acceptor: Acceptor | ReservedPort;
  opened: Promise<SockName>;
  /** Listen requests waiting for `opened`: their workers are about to join, so the socket is not unused. */
  joining: number;
}

export class Acceptors {
  private readonly byKey = new Map<string, Entry>();
  private seq = 0;
  /** Connections dropped after waiting too long or overflowing the queue. */
  dropped = 0;
  /** Connections a worker accepted. */
  handoffs = 0;
  private closed = false;
  /** Sockets passed to this process, adopted instead of binding (inherited-sockets.ts). */
  inherited: InheritedSockets | null = null;

  constructor(
    private strategy: BalanceStrategy,
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
        }, this.inherited?.take(request) ?? null);
      entry = { acceptor, opened: acceptor.open(), joining: 0 };
      this.byKey.set(request.key, entry);
    }
    entry.joining++;
    try {
      const sockname = await entry.opened;
      if (worker.state === "stopped" || this.closed) return null;
      // Released while we waited (its last worker left): open it afresh for this one.
      if (this.byKey.get(request.key) !== entry) return this.listen(worker, request);
      worker.keys.add(request.key);
      entry.acceptor.add(worker);
      return reply(null, sockname);
    } catch (error) {
      if (this.byKey.get(request.key) === entry) this.byKey.delete(request.key);
      return reply((error as NodeJS.ErrnoException).code ?? "EINVAL", null);
    } finally {
      entry.joining--;
    }
  }

  /**
   * A reload changed --balance between the strategies the primary runs: every acceptor switches its
   * picker. To or from `os` needs other sockets (config/reconfigure.ts refuses it before this).
   */
  setStrategy(strategy: BalanceStrategy): void {
    if (strategy === this.strategy) return;
    if (strategy === "os" || this.strategy === "os") throw new Error(`cannot switch --balance from ${this.strategy} to ${strategy} on these sockets`);
    this.strategy = strategy;
    for (const { acceptor } of this.byKey.values()) if (acceptor instanceof Acceptor) acceptor.useBalancer(createBalancer(strategy));
  }

  /** The worker's app closed its server on `key`: the worker stops receiving its connections. */
  serverClosed(worker: ManagedWorker, key: string): void {
    const entry = this.byKey.get(key);
    worker.keys.delete(key);
    if (!entry) return;
    entry.acceptor.remove(worker);
    // A draining worker closes every server on its way out: the socket stays open for its successor
    // (whether there will be one is known when the worker is gone: see detach).
    this.releaseIfUnused(key, entry, worker.state !== "draining");
  }

  /** The worker changed state: re-evaluate who may receive connections. */
  refresh(worker: ManagedWorker): void {
    for (const key of worker.keys) this.byKey.get(key)?.acceptor.refresh();
  }

  /** The worker is gone (or its channel is): take it out and re-distribute what it never acknowledged. */
  detach(worker: ManagedWorker): void {
    for (const key of worker.keys) this.byKey.get(key)?.acceptor.remove(worker);
    worker.keys.clear();
    // Sockets whose last worker left while the app serves from workers that do not listen there
    // (a reload to code that stopped listening on that port) would otherwise stay bound forever.
    if (this.serving()) for (const [key, entry] of this.byKey) this.releaseIfUnused(key, entry, true);
    if (worker.pending.size === 0) return;
    const pending = [...worker.pending.values()];
    worker.pending.clear();
    for (const { handle, owner, refusals } of pending) owner.distribute(handle, refusals);
  }

  /**
   * Closes a socket no worker listens on (or is joining), when `deserted`: the app closed it,
   * or it serves from ready workers that do not listen here. Otherwise (a crash, every worker
   * restarting, a worker draining itself) connections keep waiting for the next worker.
   */
  private releaseIfUnused(key: string, entry: Entry, deserted: boolean): void {
    if (!deserted || entry.acceptor.workers.size > 0 || entry.joining > 0) return;
    // A passed socket cannot be bound again once closed (its owner, systemd, still holds it): keep it.
    if (entry.acceptor instanceof Acceptor && entry.acceptor.inherited) return;
    entry.acceptor.close();
    this.byKey.delete(key);
  }

  /** Some ready worker listens on one of our sockets: the app is serving (a deserted socket is not an outage). */
  private serving(): boolean {
    for (const { acceptor } of this.byKey.values()) {
      for (const worker of acceptor.workers) if (worker.state === "ready") return true;
    }
    return false;
  }

  /** A worker acknowledged hand-off `seq`. */
  acknowledge(worker: ManagedWorker, seq: number, accepted: boolean, connections: number): void {
    const pending = worker.pending.get(seq);
    if (!pending) return;
    worker.pending.delete(seq);
    worker.connections = connections;
    const { handle, owner } = pending;
    if (accepted) {
      handle.close(); // the worker has its own copy now
      worker.handoffs++;
      this.handoffs++;
    } else {
      // A worker that is still a candidate refused because its server is full (maxConnections);
      // one that is closing or drained refused because it is leaving, which does not count.
      const refusals = owner.isCandidate(worker) ? pending.refusals + 1 : pending.refusals;
      owner.distribute(handle, refusals);
    }
    owner.flush();
  }

  /** The listening sockets' fds, for `corral upgrade` (`--balance os` holds none: workers bind their own). */
  fds(): number[] {
    return [...this.byKey.values()].flatMap(({ acceptor }) => (acceptor instanceof Acceptor && acceptor.fd !== null ? [acceptor.fd] : []));
  }

  /** `corral upgrade`: another primary accepts from the same sockets; this one only finishes hand-offs. */
  stopAccepting(): void {
    for (const { acceptor } of this.byKey.values()) if (acceptor instanceof Acceptor) acceptor.stopAccepting();
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
