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
 * And node buffers a message without limit until its newline: one 150 MB message
 * took the primary from 51 to 544 MB of RSS.
 *
 * So node's internal listeners are wrapped: a forged handle acknowledgement is
 * dropped, a listener that throws is contained, a message longer than
 * MAX_MESSAGE_CHARS is dropped as soon as its buffered part is (the channel
 * resumes at the next newline: JSON never puts one inside a message), and a
 * stream that no longer parses (it cannot be resynchronised) costs only its
 * worker, which is killed and replaced like any crashed worker. Relies on node
 * internals (`ChildProcess#_handleQueue`; the pipe under kChannelHandle, its
 * `onread`, and the JSON reader's kJSONBuffer and kStringDecoder on it), which
 * corral checks at start-up (node-internals.ts, `missingChannelInternals`); each
 * hook is skipped if a Node version lacks it, leaving node's behaviour as it is.
 */
import type { ChildProcess } from "node:child_process";
import { StringDecoder } from "node:string_decoder";

/** A worker that keeps sending garbage must not flood the log: the first few are reported. */
const REPORTED_PER_WORKER = 3;

/**
 * The longest message a worker may send, in characters of its JSON line. corral's largest are
 * app-metrics replies (prom-client's registry as JSON: ~30 KB for the default metrics, ~100 bytes a
 * series), so 16 Mi is ~150,000 series per worker; the app's own messages to the primary are never
 * read (only "ready"). Parsing one that long costs the primary about three times its size, briefly.
 */
export const MAX_MESSAGE_CHARS = 16 * 1024 * 1024;

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
export function guardChannel(child: ChildProcess, events: ChannelGuardEvents, maxMessageChars = MAX_MESSAGE_CHARS): void {
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
    const reader = jsonReader(pipe);
    pipe.onread = function guardedRead(this: unknown, ...args: unknown[]): unknown {
      let result: unknown;
      try {
        result = onread.apply(this, args);
      } catch (error) {
        if (corrupted) return undefined;
        corrupted = true;
        events.corrupt(`sent data on its IPC channel that is not a message (${reasonOf(error)})`);
        return undefined;
      }
      if (reader && reader.bufferedChars() > maxMessageChars) {
        reader.skipToNextMessage();
        rejected(`dropped an IPC message longer than ${maxMessageChars} characters (MAX_MESSAGE_CHARS) before it was all read`);
      }
      return result;
    };
  }
}

/**
 * Names of the internals the guard needs that a forked child's channel lacks (empty when all are
 * there). For the start-up check: without them the guard would silently do less.
 */
export function missingChannelInternals(child: ChildProcess): string[] {
  const missing: string[] = [];
  if (!Object.prototype.hasOwnProperty.call(child, "_handleQueue")) missing.push("ChildProcess#_handleQueue");
  const pipe = channelHandle(child);
  if (!pipe || typeof pipe.onread !== "function") missing.push("the IPC pipe's onread (ChildProcess[kChannelHandle])");
  else if (!jsonReader(pipe)) missing.push("the IPC reader's kJSONBuffer and kStringDecoder");
  return missing;
}

type Pipe = Record<symbol, unknown> & { onread?: unknown; buffering?: boolean };

/**
 * node's JSON-lines reader keeps the unfinished message as a string under kJSONBuffer on the pipe,
 * and decodes each read through the StringDecoder under kStringDecoder
 * (internal/child_process/serialization.js, the same on Node 20 and 24).
 */
function jsonReader(pipe: Pipe): { bufferedChars(): number; skipToNextMessage(): void } | null {
  const symbols = Object.getOwnPropertySymbols(pipe);
  const buffer = symbols.find((symbol) => symbol.description === "kJSONBuffer");
  const decoder = symbols.find((symbol) => symbol.description === "kStringDecoder");
  if (buffer === undefined || decoder === undefined || typeof pipe[buffer] !== "string") return null;
  // Drops what is read until the next newline, then hands node a fresh decoder for what follows it.
  // A newline is one byte in UTF-8 and never part of a longer character, so bytes can be searched.
  const skipping = {
    write(bytes: Uint8Array): string {
      const newline = bytes.indexOf(0x0a);
      if (newline === -1) return "";
      const fresh = new StringDecoder("utf8");
      pipe[decoder] = fresh;
      return fresh.write(bytes.subarray(newline + 1) as Buffer);
    },
  };
  return {
    bufferedChars: () => (pipe[buffer] as string).length,
    skipToNextMessage() {
      pipe[buffer] = "";
      pipe[decoder] = skipping;
      pipe.buffering = false;
    },
  };
}

/**
 * The libuv pipe under the IPC channel: `child.channel` is only a wrapper since
 * Node 14; node keeps the pipe under a private symbol named kChannelHandle.
 */
function channelHandle(child: ChildProcess): Pipe | null {
  const key = Object.getOwnPropertySymbols(child).find((symbol) => symbol.description === "kChannelHandle");
  const pipe = key === undefined ? undefined : (child as unknown as Record<symbol, unknown>)[key];
  return typeof pipe === "object" && pipe !== null ? (pipe as Pipe) : null;
}

/** Errors from node's internals can span lines (they print the options object); one short line for the log. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").slice(0, 200);
}

function describe(cmd: unknown): string {
  return typeof cmd === "string" ? JSON.stringify(cmd.slice(0, 40)) : typeof cmd;
}
