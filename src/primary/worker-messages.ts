/**
 * The primary's side of the protocol: each message a worker sends is validated
 * (protocol.ts) and handed to whoever owns what it is about. Connection traffic
 * (listen, close, ack) goes to the acceptors; readiness, heartbeats and metrics
 * replies go to the supervisor. This runs for every acknowledged hand-off (the
 * hot path), so the handlers are one object built once, not closures per message.
 */
import { CMD, parseWorkerMessage, type DiagnosticReply, type HealthReport, type ListenReply, type MetricsReply, type WorkerMessage } from "../protocol.js";
import type { Acceptors } from "./acceptors.js";
import type { ListenPolicy } from "./listen-policy.js";
import type { ManagedWorker } from "./managed-worker.js";
import type { Level } from "./output.js";
import type { TalkMessage } from "./talk.js";

/** Where the messages go; one object built once by the supervisor. */
export interface MessageHandlers {
  readonly acceptors: Acceptors;
  /** Which listens a worker may have the primary make (--allow-ports, --user). */
  readonly listenPolicy: ListenPolicy;
  /** The worker is ready to take connections. */
  ready(worker: ManagedWorker): void;
  /** The worker began draining on its own (someone sent it SIGTERM). */
  draining(worker: ManagedWorker): void;
  /** Called after the heartbeat's figures were recorded on `worker`. */
  heartbeat(worker: ManagedWorker): void;
  metrics(worker: ManagedWorker, reply: MetricsReply): void;
  diagnostic(worker: ManagedWorker, reply: DiagnosticReply): void;
  health(worker: ManagedWorker, report: HealthReport): void;
  /** worker.broadcast/send and leadership (talk.ts). */
  talk(worker: ManagedWorker, message: TalkMessage): void;
  /** The worker's Node lacks an internal corral relies on (node-internals.ts). */
  unsupported(worker: ManagedWorker, internal: string): void;
  log(level: Level, message: string): void;
}

export function onWorkerMessage(worker: ManagedWorker, raw: unknown, to: MessageHandlers): void {
  let message: WorkerMessage | null;
  try {
    message = parseWorkerMessage(raw);
  } catch {
    message = null;
  }
  if (message === null) return; // not ours, or malformed: a worker cannot crash the primary
  try {
    handleWorkerMessage(worker, message, to);
  } catch (error) {
    to.log("error", `ignored a message from worker ${worker.slotId} that failed: ${(error as Error).message}`);
  }
}

function handleWorkerMessage(worker: ManagedWorker, message: WorkerMessage, to: MessageHandlers): void {
  switch (message.act) {
    case "ack":
      to.acceptors.acknowledge(worker, message.seq, message.accepted, message.connections);
      break;
    case "load":
      worker.connections = message.connections;
      break;
    case "listen": {
      const refused = to.listenPolicy.tcp(message);
      const refusal: ListenReply = { cmd: CMD, act: "listening", seq: message.seq, error: "EACCES", sockname: null };
      void (refused === null ? to.acceptors.listen(worker, message) : Promise.resolve(refusal)).then((reply) => {
        if (reply === null) return;
        worker.send(reply);
        if (reply.error) worker.listenError = reply.error;
        if (reply.error) to.log("warn", `worker ${worker.slotId} could not listen on ${message.address ?? "*"}:${message.port}: ${reply.error}${refused ? ` (${refused})` : ""}`);
      });
      break;
    }
    case "close":
      to.acceptors.serverClosed(worker, message.key);
      break;
    case "ready":
      to.ready(worker);
      break;
    case "draining":
      to.draining(worker);
      break;
    case "heartbeat":
      worker.recordHeartbeat(message.stats);
      // Only a worker forked under least-connections reports each close ("load"); one forked before a
      // reload switched to it still counts right within a heartbeat, until the reload replaces it.
      worker.connections = message.stats.connections;
      to.heartbeat(worker);
      break;
    case "metrics":
      to.metrics(worker, message);
      break;
    case "inspector":
      worker.inspectorPort = message.port;
      break;
    case "diagnostic":
      to.diagnostic(worker, message);
      break;
    case "health":
      to.health(worker, message);
      break;
    case "talk":
    case "leader-candidate":
    case "leader-stopped":
      to.talk(worker, message);
      break;
    case "unsupported":
      to.unsupported(worker, message.internal);
      break;
  }
}
