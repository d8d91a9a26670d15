/**
 * Relays worker.broadcast / worker.send (and an operator's `corral send`)
 * between workers. The data stays the JSON text its sender made: the primary
 * checks its length, never parses it. Each worker has a rate budget and each
 * receiver a bounded backlog (relay-target.ts); what is over is dropped and
 * counted, so a flooding or oversized sender costs the primary a counter, not
 * memory or its event loop. The worker's API checks the same limits first
 * (message-limits.ts), so a well-behaved app hears about them as an error.
 */
import { badOption } from "../errors.js";
import { MAX_MESSAGE_BYTES, primaryBudget, type TokenBucket } from "../message-limits.js";
import { CMD, type TalkDelivery, type TalkRequest } from "../protocol.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { Level } from "./output.js";
import { deliver, hasRoom } from "./relay-target.js";

export type DropReason = "size" | "rate" | "backlog" | "no-worker";
export const DROP_REASONS: readonly DropReason[] = ["size", "rate", "backlog", "no-worker"];

export interface MessageCounts {
  /** Messages written to a receiving worker (a broadcast counts once per receiver). */
  relayed: number;
  dropped: Record<DropReason, number>;
}

export interface MessagingContext {
  /** Every live worker process. */
  workers(): Iterable<ManagedWorker>;
  /** The current worker of slot `id`, if any. */
  slotWorker(id: number): ManagedWorker | null;
  log(level: Level, message: string): void;
}

/** What the operator's `corral send` reports. */
export interface SendResult {
  delivered: number[];
}

export class Messaging {
  readonly counts: MessageCounts = { relayed: 0, dropped: { size: 0, rate: 0, backlog: 0, "no-worker": 0 } };
  private readonly budgets = new WeakMap<ManagedWorker, TokenBucket>();
  /** Reasons already logged per sender: the first drop of each kind is a line, the rest only a count. */
  private readonly reported = new WeakMap<ManagedWorker, Set<DropReason>>();

  constructor(private readonly context: MessagingContext) {}

  /** A worker's worker.broadcast or worker.send. */
  fromWorker(sender: ManagedWorker, request: TalkRequest): void {
    if (request.json.length > MAX_MESSAGE_BYTES) return this.drop(sender, "size", `a message of ${request.json.length} characters (limit ${MAX_MESSAGE_BYTES} bytes)`);
    let budget = this.budgets.get(sender);
    if (budget === undefined) this.budgets.set(sender, (budget = primaryBudget()));
    if (!budget.take()) return this.drop(sender, "rate", "messages over the rate limit");
    const message: TalkDelivery = { cmd: CMD, act: "talk", from: sender.slotId, topic: request.topic, json: request.json };
    if (request.to === null) {
      for (const worker of this.context.workers()) if (worker !== sender && worker.state === "ready") this.write(worker, message, sender);
    } else {
      const target = this.context.slotWorker(request.to);
      if (target === null || target.state !== "ready") return this.drop(sender, "no-worker", `a message to worker ${request.to}, which is not running`);
      this.write(target, message, sender);
    }
  }

  /** `corral send`: to every ready worker, or to worker `to`. The operator has no rate budget. */
  fromOperator(topic: string, json: string, to?: number): SendResult {
    if (json.length > MAX_MESSAGE_BYTES) throw badOption("data", `${json.length} characters of JSON`, `at most ${MAX_MESSAGE_BYTES} bytes`);
    const message: TalkDelivery = { cmd: CMD, act: "talk", from: 0, topic, json };
    const targets = to === undefined ? [...this.context.workers()].filter((w) => w.state === "ready") : [this.context.slotWorker(to)];
    const delivered: number[] = [];
    for (const target of targets) {
      if (target === null || target.state !== "ready") {
        const running = [...this.context.workers()].filter((w) => w.state === "ready").map((w) => w.slotId);
        throw badOption("--worker", to, `the id of a ready worker (${running.join(", ") || "none is ready"})`);
      }
      if (this.write(target, message, null)) delivered.push(target.slotId);
    }
    return { delivered: delivered.sort((a, b) => a - b) };
  }

  private write(target: ManagedWorker, message: TalkDelivery, sender: ManagedWorker | null): boolean {
    // The envelope (cmd, act, from, topic) is a few dozen characters around the data.
    const chars = message.json.length + message.topic.length + 64;
    if (!hasRoom(target, chars)) {
      this.drop(sender, "backlog", `a message to worker ${target.slotId}, whose channel is backed up (it does not read)`);
      return false;
    }
    deliver(target, message, chars);
    this.counts.relayed++;
    return true;
  }

  private drop(sender: ManagedWorker | null, reason: DropReason, what: string): void {
    this.counts.dropped[reason]++;
    if (sender === null) return this.context.log("warn", `corral send: dropped ${what}`);
    let seen = this.reported.get(sender);
    if (seen === undefined) this.reported.set(sender, (seen = new Set()));
    if (seen.has(reason)) return;
    seen.add(reason);
    this.context.log("warn", `worker ${sender.slotId} (pid ${sender.pid}): dropped ${what}; further drops of this kind are only counted (corral_messages_dropped_total)`);
  }
}
