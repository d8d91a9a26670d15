/**
 * Keeps what a worker writes on its IPC channel from crashing the primary.
 *
 * corral's own messages are validated (protocol.ts parseWorkerMessage), but a
 * worker runs user code that can put anything on the channel, and node's own
 * code in the primary trusts its peer. Measured on Node 20, each of these is an
 * uncaught exception in the primary, i.e. a full outage:
 * - `process.send({ cmd: "NODE_HANDLE_ACK" })` (or NACK) while no handle is in
 *   flight trips an internal assertion in child_process;
 * - a forged node:cluster `queryServer` with a bad port throws from
 *   `net.Server#listen` inside cluster's message handler;
 * - bytes that are not JSON, written straight to `process.channel.fd`, make the
 *   channel's parser throw inside its read callback.
 *
 * So node's internal listeners are wrapped: a forged handle acknowledgement is
 * dropped, a listener that throws is contained, and a stream that no longer
 * parses (it cannot be resynchronised) costs only its worker, which is killed
 * and replaced like any crashed worker. Relies on node internals
 * (`ChildProcess#_handleQueue`, the pipe's `onread` under kChannelHandle); each hook is skipped
 * if a Node version lacks it, leaving node's behaviour as it is.
 */
import type { ChildProcess } from "node:child_process";

/** A worker that keeps sending garbage must not flood the log: the first few are reported. */
const REPORTED_PER_WORKER = 3;

export interface ChannelGuardEvents {
  /** Something was dropped or contained; the worker keeps running. Called at most REPORTED_PER_WORKER + 1 times. */
  rejected(reason: string): void;
  /** The stream from the worker is corrupt: the worker must go. Called once. */
  corrupt(reason: string): void;
  /** Well-formed messages of node's own a policy forbids (listen-policy.ts): dropped, and `reply` sent back. */
  refuse?(message: unknown): { reason: string; reply: unknown } | null;
}

type Listener = (this: ChildProcess, message: unknown, handle: unknown) => void;

interface ChannelInternals {
  _handleQueue?: unknown;
}

const HANDSHAKE = new Set(["NODE_HANDLE_ACK", "NODE_HANDLE_NACK"]);

/** Wraps the channel of a just-forked worker. Call before any message can arrive (same tick as fork). */
export function guardChannel(child: ChildProcess, events: ChannelGuardEvents): void {
  const internals = child as unknown as ChannelInternals;
  let rejections = 0;
  const rejected = (reason: string): void => {
    rejections++;
    if (rejections <= REPORTED_PER_WORKER) events.rejected(reason);
    else if (rejections === REPORTED_PER_WORKER + 1) events.rejected("more IPC garbage from this worker; not reporting it further");
  };
  let corrupted = false;

  // One dispatcher in place of node's listeners, so each message is checked once, in order.
  const listeners = child.listeners("internalMessage") as Listener[];
  child.removeAllListeners("internalMessage");
  child.on("internalMessage", function guarded(this: ChildProcess, message: unknown, handle: unknown) {
    const cmd = (message as { cmd?: unknown } | null)?.cmd;
    // node only expects an acknowledgement while a handle it sent awaits one.
    if (typeof cmd === "string" && HANDSHAKE.has(cmd) && !Array.isArray(internals._handleQueue)) {
      return rejected(`dropped a forged ${cmd} (no handle was in flight)`);
    }
    const refusal = events.refuse?.(message);
    if (refusal) {
      if (child.connected) child.send(refusal.reply as never, (error: Error | null) => void error);
      return rejected(refusal.reason);
    }
    for (const listener of listeners) {
      try {
        listener.call(this, message, handle);
      } catch (error) {
        rejected(`an IPC message (cmd ${describe(cmd)}) made node's handler throw: ${reasonOf(error)}`);
      }
    }
  });

  const pipe = channelHandle(child);
  const onread = pipe?.onread;
  if (pipe && typeof onread === "function") {
    pipe.onread = function guardedRead(this: unknown, ...args: unknown[]): unknown {
      try {
        return onread.apply(this, args);
      } catch (error) {
        if (corrupted) return undefined;
        corrupted = true;
        events.corrupt(`sent data on its IPC channel that is not a message (${reasonOf(error)})`);
        return undefined;
      }
    };
  }
}

/**
 * The libuv pipe under the IPC channel: `child.channel` is only a wrapper since
 * Node 14; node keeps the pipe under a private symbol named kChannelHandle.
 */
function channelHandle(child: ChildProcess): { onread?: unknown } | null {
  const key = Object.getOwnPropertySymbols(child).find((symbol) => symbol.description === "kChannelHandle");
  const pipe = key === undefined ? undefined : (child as unknown as Record<symbol, unknown>)[key];
  return typeof pipe === "object" && pipe !== null ? (pipe as { onread?: unknown }) : null;
}

/** Errors from node's internals can span lines (they print the options object); one short line for the log. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").slice(0, 200);
}

function describe(cmd: unknown): string {
  return typeof cmd === "string" ? JSON.stringify(cmd.slice(0, 40)) : typeof cmd;
}
