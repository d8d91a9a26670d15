/**
 * Workers that talk: the supervisor's one entry point to messages between
 * workers (messaging.ts), leadership (leader.ts) and socket.io's cluster adapter
 * (socketio-relay.ts). The supervisor tells it about each worker's fork, ready,
 * drain and exit; it routes the workers' talk and leader messages.
 */
import type { LeaderStopped, LeaderCandidate, TalkRequest } from "../protocol.js";
import { MAX_TOPIC_LENGTH, topicProblem } from "../message-limits.js";
import { badOption } from "../errors.js";
import { Leadership, type LeaderView } from "./leader.js";
import type { ManagedWorker } from "./managed-worker.js";
import { Messaging, type MessageCounts, type MessagingContext, type SendResult } from "./messaging.js";
import { SocketIoRelay } from "./socketio-relay.js";

export type TalkMessage = TalkRequest | LeaderCandidate | LeaderStopped;

export interface TalkView {
  leader: LeaderView | null;
  messages: MessageCounts & { socketIoRelayed: number };
}

export class WorkerTalk {
  private readonly messaging: Messaging;
  private readonly leadership: Leadership;
  private readonly socketIo: SocketIoRelay;

  constructor(context: MessagingContext) {
    this.messaging = new Messaging(context);
    this.leadership = new Leadership(context.log);
    this.socketIo = new SocketIoRelay(() => context.workers(), (reason) => this.messaging.counts.dropped[reason]++);
  }

  forked(worker: ManagedWorker): void {
    this.socketIo.attach(worker);
  }

  ready(): void {
    this.leadership.ready();
  }

  /** Before the worker's drain order: its leader callbacks stop, its socket.io adapters close. */
  leaving(worker: ManagedWorker): void {
    this.leadership.leaving(worker);
    this.socketIo.leaving(worker);
  }

  exited(worker: ManagedWorker): void {
    this.leadership.exited(worker);
    this.socketIo.leaving(worker);
  }

  fromWorker(worker: ManagedWorker, message: TalkMessage): void {
    switch (message.act) {
      case "talk":
        return this.messaging.fromWorker(worker, message);
      case "leader-candidate":
        return this.leadership.candidate(worker);
      case "leader-stopped":
        return this.leadership.stopped(worker, message.term);
    }
  }

  /** `corral send TOPIC JSON [--worker ID]`. */
  send(topic: unknown, data: unknown, to?: unknown): SendResult {
    const problem = topicProblem(topic);
    if (problem !== null) throw badOption("TOPIC", topic, `a non-empty string of at most ${MAX_TOPIC_LENGTH} characters`);
    if (to !== undefined && (!Number.isSafeInteger(to) || (to as number) < 1)) throw badOption("--worker", to, "a worker id (1, 2, …)");
    const json = JSON.stringify(data === undefined ? null : data);
    return this.messaging.fromOperator(topic as string, json, to as number | undefined);
  }

  view(): TalkView {
    return { leader: this.leadership.view(), messages: { ...this.messaging.counts, dropped: { ...this.messaging.counts.dropped }, socketIoRelayed: this.socketIo.relayed } };
  }
}
