/**
 * The worker's side of workers that talk: worker.broadcast / send / on / off,
 * relayed by the primary (primary/messaging.ts), and worker.onLeader, whose
 * callbacks the primary starts and stops (primary/leader.ts).
 *
 * Limits are checked here, before sending, so the call that breaks one throws
 * (a CorralError with code CORRAL_ERR_MESSAGE_TOO_LARGE or _RATE); the primary
 * checks them again for workers that bypass this API.
 *
 * Leader callbacks run one transition at a time (a `stop` never starts before
 * its `start` settled), and `stop` also runs when the worker drains on its own
 * (a SIGTERM to it), as a shutdown hook, so the process never exits leading.
 */
import { CorralError } from "../errors.js";
import { MAX_MESSAGE_BYTES, MESSAGE_RATE, TokenBucket, topicProblem } from "../message-limits.js";
import type { LeaderOrder, TalkDelivery } from "../protocol.js";
import type { Outgoing } from "./channel.js";

/** `from` is the sender's worker id, 0 for an operator's `corral send`. */
export type MessageListener = (data: any, from: number) => void;
export type LeaderCallback = () => void | Promise<void>;

/** What `corral/worker` calls; shared across copies of corral through the registry (shared-state.ts). */
export interface TalkApi {
  broadcast(topic: string, data?: unknown): void;
  send(to: number, topic: string, data?: unknown): void;
  on(topic: string, listener: MessageListener): void;
  off(topic: string, listener: MessageListener): void;
  onLeader(start: LeaderCallback, stop: LeaderCallback): void;
  readonly isLeader: boolean;
}

interface LeaderHooks {
  start: LeaderCallback;
  stop: LeaderCallback;
}

export class WorkerMessages implements TalkApi {
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly budget = new TokenBucket();
  private readonly leaderHooks: LeaderHooks[] = [];
  private leading = false;
  /** Leader transitions, one after the other. */
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly toPrimary: (message: Outgoing) => void,
    private readonly addShutdownHook: (hook: () => Promise<void>) => void,
  ) {}

  broadcast(topic: string, data?: unknown): void {
    this.post("worker.broadcast", null, topic, data);
  }

  send(to: number, topic: string, data?: unknown): void {
    if (!Number.isSafeInteger(to) || to < 1) throw new TypeError(`worker.send: the worker id must be an integer from 1 (got ${String(to)})`);
    this.post("worker.send", to, topic, data);
  }

  on(topic: string, listener: MessageListener): void {
    const problem = topicProblem(topic);
    if (problem !== null) throw new TypeError(`worker.on: ${problem}`);
    if (typeof listener !== "function") throw new TypeError("worker.on expects a function");
    let set = this.listeners.get(topic);
    if (set === undefined) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
  }

  off(topic: string, listener: MessageListener): void {
    const set = this.listeners.get(topic);
    set?.delete(listener);
    if (set?.size === 0) this.listeners.delete(topic);
  }

  onLeader(start: LeaderCallback, stop: LeaderCallback): void {
    if (typeof start !== "function" || typeof stop !== "function") throw new TypeError("worker.onLeader expects two functions: start and stop");
    const hooks = { start, stop };
    this.leaderHooks.push(hooks);
    if (this.leaderHooks.length === 1) {
      this.addShutdownHook(() => this.stepDown());
      this.toPrimary({ act: "leader-candidate" });
    }
    if (this.leading) this.queue(() => run([hooks], "start"));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** A message relayed by the primary. */
  receive(message: TalkDelivery): void {
    const set = this.listeners.get(message.topic);
    if (set === undefined) return;
    let data: unknown;
    try {
      data = JSON.parse(message.json);
    } catch {
      return; // only a worker that bypassed the API can send this; nothing to give the app
    }
    for (const listener of [...set]) listener(data, message.from);
  }

  /** The primary grants (lead) or takes back leadership; a take-back is answered once `stop` settled. */
  order(message: LeaderOrder): void {
    if (message.lead) {
      this.queue(async () => {
        if (this.leading) return;
        this.leading = true;
        await run(this.leaderHooks, "start");
      });
    } else {
      this.queue(async () => {
        await this.stepDownNow();
        this.toPrimary({ act: "leader-stopped", term: message.term });
      });
    }
  }

  private stepDown(): Promise<void> {
    return this.queue(() => this.stepDownNow());
  }

  private async stepDownNow(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await run(this.leaderHooks, "stop");
  }

  private queue(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(step, step);
    return this.transition;
  }

  private post(call: string, to: number | null, topic: string, data: unknown): void {
    const problem = topicProblem(topic);
    if (problem !== null) throw new TypeError(`${call}: ${problem}`);
    // undefined (and functions) have no JSON: they travel as null, as in an array.
    const json = JSON.stringify(data) ?? "null";
    if (json.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(json) > MAX_MESSAGE_BYTES) {
      throw new CorralError("CORRAL_ERR_MESSAGE_TOO_LARGE", `${call}: the message is ${Buffer.byteLength(json)} bytes as JSON; at most ${MAX_MESSAGE_BYTES} are allowed`);
    }
    if (!this.budget.take()) {
      throw new CorralError("CORRAL_ERR_MESSAGE_RATE", `${call}: over ${MESSAGE_RATE} messages per second from this worker; the message was not sent`);
    }
    this.toPrimary({ act: "talk", to, topic, json });
  }
}

/** Runs every hook's `which` callback together; a failure is the app's to see, and does not stop the others. */
async function run(hooks: readonly LeaderHooks[], which: "start" | "stop"): Promise<void> {
  await Promise.all(hooks.map(async (hook) => {
    try {
      await hook[which]();
    } catch (error) {
      console.error(`corral: a worker.onLeader ${which} callback failed:`, error);
    }
  }));
}
