/**
 * What `@socket.io/cluster-adapter`'s `setupPrimary()` does, built in, so an
 * app that calls `io.adapter(createAdapter())` works under corral unmodified.
 *
 * The adapter in each worker `process.send`s its messages with
 * `source: "_sio_adapter"`, one adapter (and `uid`) per namespace. Responses
 * (to fetchSockets, serverSideEmit) go to the worker whose adapter asked
 * (`requesterUid`); everything else goes to every other worker. Unlike
 * setupPrimary, which writes to every cluster worker:
 * - only live workers (starting or ready) send or receive: when a worker starts
 *   draining or dies, the others get an ADAPTER_CLOSE for each of its adapters,
 *   as if it had closed them, so their fetchSockets/serverSideEmit stop waiting
 *   for its answers; its later messages are dropped, as they would re-announce it;
 * - each worker has a rate budget, a message is at most MAX_RELAY_CHARS, and a
 *   receiver that does not read gets no more (relay-target.ts): the primary
 *   stays bounded. What is over is dropped and counted (corral_messages_dropped_total).
 * Numbers from socket.io-adapter's MessageType (cluster-adapter.ts).
 */
import { primaryBudget, type TokenBucket } from "../message-limits.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { DropReason } from "./messaging.js";
import { deliver, hasRoom, isLive } from "./relay-target.js";

const SOURCE = "_sio_adapter";
const FETCH_SOCKETS_RESPONSE = 8;
const SERVER_SIDE_EMIT_RESPONSE = 10;
const ADAPTER_CLOSE = 13;
/** Adapters (namespaces) remembered per worker; an app has a handful. */
const MAX_ADAPTERS = 256;
const MAX_ID_LENGTH = 256;
/**
 * Largest adapter message relayed, in characters of JSON. socket.io takes client messages up to its
 * maxHttpBufferSize (1 MB by default); a broadcast of one, even binary (node's JSON spells a Buffer as
 * a list of numbers, up to 4 characters a byte), fits. The IPC guard's 16 Mi would let one message
 * to N workers queue 16 MiB × N in the primary.
 */
export const MAX_RELAY_CHARS = 4 * 1024 * 1024;

interface AdapterMessage {
  source: typeof SOURCE;
  type: number;
  uid: string;
  nsp: string;
  requesterUid?: unknown;
}

export class SocketIoRelay {
  /** Per worker: adapter uid → namespace, to route responses and to announce its adapters' close. */
  private readonly adapters = new WeakMap<ManagedWorker, Map<string, string>>();
  private readonly budgets = new WeakMap<ManagedWorker, TokenBucket>();
  relayed = 0;

  constructor(
    private readonly workers: () => Iterable<ManagedWorker>,
    private readonly dropped: (reason: DropReason) => void,
  ) {}

  /** Listens to the worker's plain `process.send` messages (the adapter's channel). */
  attach(worker: ManagedWorker): void {
    worker.worker.on("message", (message: unknown) => {
      if ((message as { source?: unknown } | null)?.source !== SOURCE) return;
      try {
        this.fromWorker(worker, message as Record<string, unknown>);
      } catch {
        // JSON.stringify (ours, or node's in send) throws on a message nested deeper than it can go,
        // which V8's JSON.parse read without complaint: written raw to the pipe, not by the adapter.
        // Thrown here, it would be an uncaught exception in the primary.
        this.dropped("size");
      }
    });
  }

  /** The worker is draining or gone: the others forget its adapters. */
  leaving(worker: ManagedWorker): void {
    const adapters = this.adapters.get(worker);
    if (adapters === undefined) return;
    this.adapters.delete(worker);
    for (const [uid, nsp] of adapters) {
      const close = { source: SOURCE, type: ADAPTER_CLOSE, uid, nsp };
      const chars = JSON.stringify(close).length;
      for (const other of this.workers()) if (other !== worker && isLive(other)) this.write(other, close, chars);
    }
  }

  private fromWorker(sender: ManagedWorker, raw: Record<string, unknown>): void {
    if (!isLive(sender)) return; // announced closed (leaving); anything more would re-add it
    if (!isAdapterMessage(raw)) return;
    // Measured as node will send it; stringifying once costs less than the N - 1 sends it would make.
    const chars = JSON.stringify(raw).length;
    if (chars > MAX_RELAY_CHARS) return this.dropped("size");
    let budget = this.budgets.get(sender);
    if (budget === undefined) this.budgets.set(sender, (budget = primaryBudget()));
    if (!budget.take()) return this.dropped("rate");
    let adapters = this.adapters.get(sender);
    if (adapters === undefined) this.adapters.set(sender, (adapters = new Map()));
    if (!adapters.has(raw.uid) && adapters.size < MAX_ADAPTERS) adapters.set(raw.uid, raw.nsp);

    if (raw.type === FETCH_SOCKETS_RESPONSE || raw.type === SERVER_SIDE_EMIT_RESPONSE) {
      const requester = typeof raw.requesterUid === "string" ? raw.requesterUid : null;
      for (const worker of this.workers()) {
        if (requester !== null && isLive(worker) && this.adapters.get(worker)?.has(requester)) return this.write(worker, raw, chars);
      }
      return;
    }
    for (const worker of this.workers()) if (worker !== sender && isLive(worker)) this.write(worker, raw, chars);
  }

  private write(worker: ManagedWorker, message: object, chars: number): void {
    if (!hasRoom(worker, chars)) return this.dropped("backlog");
    deliver(worker, message, chars);
    this.relayed++;
  }
}

function isAdapterMessage(raw: Record<string, unknown>): raw is Record<string, unknown> & AdapterMessage {
  return Number.isSafeInteger(raw.type) &&
    typeof raw.uid === "string" && raw.uid.length <= MAX_ID_LENGTH &&
    typeof raw.nsp === "string" && raw.nsp.length <= MAX_ID_LENGTH;
}
