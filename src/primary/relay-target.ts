/**
 * Whether the primary may write one more relayed message to a worker's channel.
 *
 * node's `process.send` never refuses: what the worker does not read piles up in
 * the primary, in libuv's write queue for the pipe, or, while a connection
 * handle awaits its acknowledgement, in the channel's `_handleQueue` (both
 * measured: 200 sends of 100 KB to a busy child queued 19.8 MB). A worker whose
 * event loop is blocked would so grow the primary without bound; past these
 * limits its relayed messages are dropped (and counted) instead. Bytes alone are
 * not the bound: each queued write also costs node a request object and libuv a
 * buffer (measured: with only a byte limit, small messages to 3 slow workers took the
 * primary to 300 MB RSS), so the writes not yet completed are counted too. Nor is the
 * pipe's queue the only one: while a hand-off awaits its acknowledgement node holds every
 * later message, unserialised, in `_handleQueue`, where libuv never sees it (measured: 100
 * socket.io messages of 1 MiB for a blocked worker took the primary to 195 MiB of RSS, 104 with
 * this bound: test/talk/socketio-limits.test.ts); so the size of the
 * relayed writes not yet completed is counted as well, wherever node keeps them.
 * Hand-offs and corral's own messages are not subject to this: only relayed traffic is.
 */
import { MESSAGE_BURST } from "../message-limits.js";
import type { ManagedWorker } from "./managed-worker.js";

/**
 * Bytes waiting in the pipe to one worker, and characters of relayed JSON not yet written to it,
 * beyond which relayed messages to it are dropped. The largest relayed message fits (MAX_RELAY_CHARS).
 */
export const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
/**
 * Relayed writes to one worker not yet completed (or held behind a handle) beyond which more are
 * dropped: one sender's whole burst fits, so a receiver busy for a moment loses nothing.
 */
const MAX_PENDING_WRITES = MESSAGE_BURST;

interface ChannelInternals {
  _handleQueue?: unknown[] | null;
}

/** A worker that is alive and not leaving (starting or ready), still connected. */
export function isLive(worker: ManagedWorker): boolean {
  return (worker.state === "ready" || worker.state === "starting") && worker.worker.isConnected();
}

/** The worker's channel has room for one more relayed message of `chars` characters of JSON. */
export function hasRoom(worker: ManagedWorker, chars: number): boolean {
  const child = worker.worker.process;
  const queued = (child as unknown as ChannelInternals)._handleQueue;
  if (Array.isArray(queued) && queued.length >= MAX_PENDING_WRITES) return false;
  const pending = worker.relayWrites;
  if (pending.count >= MAX_PENDING_WRITES || pending.chars + chars > MAX_BACKLOG_BYTES) return false;
  return pipeBacklog(child) < MAX_BACKLOG_BYTES;
}

/** Writes a relayed message of `chars` characters of JSON (not a PrimaryMessage: socket.io's are relayed as they came). */
export function deliver(worker: ManagedWorker, message: object, chars: number): void {
  const pending = worker.relayWrites;
  pending.count++;
  pending.chars += chars;
  // node calls back once the write completed, or failed (a send racing the worker's death: its exit is reported anyway).
  try {
    worker.worker.process.send(message, undefined, undefined, () => {
      pending.count--;
      pending.chars -= chars;
    });
  } catch (error) {
    // node's serialisation threw (socketio-relay.ts says when): nothing was queued, so nothing to count.
    pending.count--;
    pending.chars -= chars;
    throw error;
  }
}

/** libuv's write queue for the IPC pipe, under node's private kChannelHandle symbol (0 if not found). */
function pipeBacklog(child: object): number {
  channelKey ??= Object.getOwnPropertySymbols(child).find((symbol) => symbol.description === "kChannelHandle");
  if (channelKey === undefined) return 0;
  const pipe = (child as Record<symbol, { writeQueueSize?: unknown } | undefined>)[channelKey];
  const size = pipe?.writeQueueSize;
  return typeof size === "number" ? size : 0;
}

/** The symbol is the same for every ChildProcess: looked up once it is found, not per message. */
let channelKey: symbol | undefined;
