/**
 * The primary's record of one worker process, and its state machine:
 *
 *   starting ──ready──▶ ready ──drain──▶ draining ──exit──▶ stopped
 *       └──────────────────┴──────exit/kill─────────────────▶ stopped
 *
 * Transitions live here and nowhere else; `setState` refuses the others.
 */
import type { Worker } from "node:cluster";
import type { Candidate } from "../balancer/types.js";
import type { PrimaryMessage, WorkerStats } from "../protocol.js";
import type { WorkerState } from "../status.js";
import type { Acceptor, RawHandle } from "./acceptor.js";
import { rememberLine } from "./crash-report.js";
import { monotonicNow } from "./watchdog.js";

const TRANSITIONS: Record<WorkerState, readonly WorkerState[]> = {
  starting: ["ready", "draining", "stopped"],
  ready: ["draining", "stopped"],
  draining: ["stopped"],
  stopped: [],
};

/** A connection handed to a worker and not yet acknowledged; the primary still holds its handle. */
export interface PendingHandoff {
  handle: RawHandle;
  /** The acceptor the connection came from: it re-distributes a refused one and flushes its queue. */
  owner: Acceptor;
  /** Ready workers that refused this connection so far because their server was full. */
  refusals: number;
}

export class ManagedWorker implements Candidate {
  state: WorkerState = "starting";
  readonly forkedAt = Date.now();
  readyAt = 0;
  /** Monotonic (watchdog.ts): a wall-clock step must not make a worker look hung or alive. */
  lastHeartbeatAt = monotonicNow();
  stats: WorkerStats | null = null;
  /** CPU use over the last heartbeat interval, in % of one core; null until two heartbeats arrived. */
  cpuPercent: number | null = null;
  connections = 0;
  handoffs = 0;
  /** Set before we stop it on purpose (drain, scale down, kill after hang): its exit is not a crash. */
  expectedExit = false;
  /** Why we killed it, when we did (hang, listen timeout, memory). */
  killReason: string | null = null;
  /** Requests in flight (at its last heartbeat) when a drain ran out of --kill-timeout and SIGKILLed it. */
  cutOffRequests = 0;
  /** The primary refused one of its listens (EADDRINUSE, EACCES): retrying before the app ever served is pointless. */
  listenError: string | null = null;
  /** The app's health checks (worker.healthCheck) failed in a row, and the last one's error. */
  failedChecks = 0;
  healthError: string | null = null;
  /** The loopback port SIGUSR1 opens its inspector on, as its runtime reported it (worker/inspector-port.ts). */
  inspectorPort: number | null = null;
  /** Acceptor keys this worker listens on. */
  readonly keys = new Set<string>();
  readonly pending = new Map<number, PendingHandoff>();
  /**
   * Relayed messages (worker talk, socket.io) written to its channel and not yet completed, and
   * their characters of JSON, which relay-target.ts bounds.
   */
  readonly relayWrites = { count: 0, chars: 0 };
  readonly stderrTail: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Settles when the worker becomes ready, or rejects with why it never will. */
  readonly ready: Promise<void>;
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  private settleReady!: (error?: Error) => void;
  private settleExited!: () => void;

  constructor(
    readonly slotId: number,
    readonly worker: Worker,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => {}); // a worker nobody waits for may fail quietly; its exit is reported anyway
    this.exited = new Promise<void>((resolve) => (this.settleExited = resolve));
  }

  get pid(): number {
    return this.worker.process.pid ?? 0;
  }

  get pendingHandoffs(): number {
    return this.pending.size;
  }

  /** Moves to `next` if the state machine allows it; returns whether it moved. */
  setState(next: WorkerState): boolean {
    if (!TRANSITIONS[this.state].includes(next)) return false;
    this.state = next;
    if (next === "ready") {
      this.readyAt = Date.now();
      this.settleReady();
    }
    if (next === "stopped") {
      this.clearTimers();
      this.settleExited();
    }
    return true;
  }

  /** Why this worker will never become ready (it exited, was killed, or is being drained). */
  failReady(error: Error): void {
    this.settleReady(error);
  }

  send(message: PrimaryMessage, handle?: unknown): void {
    if (!this.worker.isConnected()) return;
    // A send to a worker that just died fails asynchronously ('error' event, handled in spawnWorker()).
    this.worker.process.send(message, handle as never);
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    try {
      this.worker.process.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** A timer that dies with the worker. */
  after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** A heartbeat arrived: keep its figures and derive the CPU rate from the previous one. */
  recordHeartbeat(stats: WorkerStats, now = monotonicNow()): void {
    const previous = this.stats;
    const elapsedMs = now - this.lastHeartbeatAt;
    if (previous && elapsedMs > 0) this.cpuPercent = Math.max(0, ((stats.cpuSeconds - previous.cpuSeconds) * 1e5) / elapsedMs);
    this.lastHeartbeatAt = now;
    this.stats = stats;
  }

  /** For the crash report (crash-report.ts): the last lines, bounded. */
  rememberStderr(line: string): void {
    rememberLine(this.stderrTail, line);
  }
}
