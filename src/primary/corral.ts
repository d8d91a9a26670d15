/**
 * The supervisor: forks one node:cluster worker per slot, keeps each slot
 * filled (restart with backoff, give up on a crash loop), and drives the
 * rolling reload, scaling and graceful shutdown. Listening sockets live in
 * `Acceptors`; one worker's record and state machine in `ManagedWorker`; a
 * slot (a place for one worker that outlives its processes) in `slot.ts`.
 * Forking and wiring one worker is `spawn.ts`, its orderly end `drain.ts`; what
 * a worker's messages do, `worker-messages.ts`; what its exit says,
 * `exit-report.ts`. Refilling a slot after a crash, or giving up on it, is
 * `restarts.ts`; replacing a hung, bloated, sick or recycled worker,
 * `replacements.ts`; a reload's round of replacements, `rolling-reload.ts`, and
 * re-reading the configuration for it, `config-reload.ts`; adding and retiring
 * slots, `scaling.ts`. What is left here is the supervisor's lifecycle (idle →
 * starting → running → stopping → stopped), the lock that makes reload, scale
 * and replacements take turns, and the wiring.
 */
import { EventEmitter } from "node:events";
import { basename } from "node:path";
import { sourceName } from "../config/keys.js";
import { isResolvedOptions, resolveOptions } from "../config/resolve.js";
import type { CorralOptions, ResolvedOptions } from "../config/types.js";
import { CorralError } from "../errors.js";
import type { CorralEvents, ReloadCause, SupervisorSnapshot } from "../status.js";
import { Acceptors } from "./acceptors.js";
import { reportExit } from "./exit-report.js";
import { Diagnostics } from "./diagnostics/diagnostics.js";
import { runsAsRoot } from "./diagnostics/inspect.js";
import { cutOffError, drainWorker } from "./drain.js";
import type { InheritedSockets } from "./inherited-sockets.js";
import { refuseInspectorSignal } from "./inspector-signal.js";
import { listenPolicy } from "./listen-policy.js";
import type { WorkerIdentity } from "../config/identity.js";
import type { ManagedWorker } from "./managed-worker.js";
import { reusePortDrainWarning } from "./reserved-port.js";
import { Output } from "./output.js";
import { Replacements } from "./replacements.js";
import { Restarts } from "./restarts.js";
import { replaceAll } from "./rolling-reload.js";
import { scaleTo, workerCount } from "./scaling.js";
import { untilSettled } from "./settle.js";
import { activeSlots, clearSlotTimer, countReady, newSlot, type Slot } from "./slot.js";
import { buildSnapshot } from "./snapshot.js";
import { SlotCounters } from "./slot-counters.js";
import { MetricsGatherer, type AppMetricsRound } from "./metrics-gather.js";
import { setupWorkers, spawnWorker, type SpawnHooks } from "./spawn.js";
import { WorkerTalk } from "./talk.js";
import { checkNodeInternals, nodeInternalMissing } from "./node-internals.js";
import { reloadWithConfiguration } from "./config-reload.js";
import { CronReload } from "./cron-reload.js";

type Lifecycle = "idle" | "starting" | "running" | "stopping" | "stopped";

/**
 * Events besides CorralEvents (which /events streams to the dashboard): these carry an Error,
 * which belongs to the embedding process, not on the wire.
 */
export interface CorralProcessEvents {
  /** Every slot gave up: the supervisor is stopping (the CLI exits 1 with this error). */
  fatal: CorralError;
}
type AllEvents = CorralEvents & CorralProcessEvents;

export class Corral extends EventEmitter {
  /**
   * Process-wide, hence static: node:cluster has a single primary per process, so one Corral at a
   * time may run its workers (from start() until it stopped, or its start failed).
   */
  private static clusterInUse = false;
  /** Replaced only by a reload that re-read the configuration (configSource). */
  private current: ResolvedOptions;
  /** Where a reload re-reads the configuration from (`corral start` sets it: its flags, file and env); null keeps it. */
  configSource: ((current: ResolvedOptions) => Promise<ResolvedOptions>) | null = null;
  private readonly slots = new Map<number, Slot>();
  /** Every live worker process, including ones draining or starting as replacements. */
  private readonly workers = new Set<ManagedWorker>();
  private readonly acceptors: Acceptors;
  private readonly output: Output;
  private lifecycle: Lifecycle = "idle";
  private readonly startedAt = Date.now();
  private reloads = 0;
  private busy: Promise<unknown> | null = null;
  private stopping: Promise<void> | null = null;
  /** Refills a slot whose worker exited on its own, or gives up on it (restarts.ts). */
  private readonly restarts: Restarts;
  /** Hung, bloated, sick and recycled workers (replacements.ts). */
  private readonly replacements: Replacements;
  /** --restart-cron's timer, while running. */
  private cronReload: CronReload | null = null;
  /** uid/gid of the workers (--user/--group); empty to keep the primary's. */
  private readonly identity: WorkerIdentity;
  /** Where each worker's messages and process events go. */
  private readonly hooks: SpawnHooks;
  /** Hung workers' stacks and the diagnostic orders of `corral profile` and the like. */
  readonly diagnostics = new Diagnostics((level, message) => this.log(level, message), () => runsAsRoot(this));
  /** Messages between workers, the leader, socket.io's cluster adapter (talk.ts). */
  private readonly talk: WorkerTalk;
  /** The admin server's URL while it listens (it says so: adminListening), for `status` and the dashboard. */
  private admin: string | null = null;
  /** Per-slot counters that never go backwards, for /metrics (slot-counters.ts). */
  private readonly counters = new SlotCounters();
  /** Rounds of the app's own metrics from the workers, for /metrics (metrics-gather.ts). */
  private readonly appMetrics = new MetricsGatherer(() => this.workers);

  constructor(options: CorralOptions | ResolvedOptions) {
    super();
    this.current = isResolvedOptions(options) ? options : resolveOptions(options as CorralOptions);
    this.acceptors = new Acceptors(this.options.balance, this.options);
    const { sources } = this.options;
    this.output = new Output({
      format: this.options.logFormat, timestamps: this.options.timestamps, name: this.options.name,
      logFile: this.options.logFile, errorFile: this.options.errorFile, logBufferBytes: this.options.logBufferBytes,
      sources: { logFile: sourceName(sources, "logFile"), errorFile: sourceName(sources, "errorFile"), logBuffer: sourceName(sources, "logBuffer") },
    });
    this.identity = this.options.workerIdentity;
    const dropsPrivileges = this.identity.uid !== undefined || this.identity.gid !== undefined;
    this.talk = new WorkerTalk({
      workers: () => this.workers,
      slotWorker: (id) => this.slots.get(id)?.worker ?? null,
      log: (level, message) => this.log(level, message),
    });
    this.hooks = {
      acceptors: this.acceptors,
      listenPolicy: listenPolicy(this.options.allowPorts, dropsPrivileges),
      talk: (worker, message) => this.talk.fromWorker(worker, message),
      ready: (worker) => this.markReady(worker),
      // Out of rotation at once, before its servers close (the socket stays open: connections wait for the slot's next worker).
      draining: (worker) => this.selfDrained(worker),
      heartbeat: (worker) => this.replacements.heartbeat(worker),
      metrics: (worker, reply) => this.appMetrics.reply(worker, reply.seq, reply.metrics),
      diagnostic: (worker, reply) => this.diagnostics.orders.reply(worker, reply),
      health: (worker, report) => this.replacements.healthReport(worker, report.ok, report.error),
      disconnect: (worker) => this.acceptors.detach(worker),
      exit: (worker, code, signal) => this.onExit(worker, code, signal),
      unsupported: (worker, internal) => this.unsupportedNode(worker, internal),
      log: (level, message) => this.log(level, message),
    };
    const emit = this.emitEvent.bind(this);
    const log = (level: "info" | "warn" | "error", message: string): void => this.log(level, message);
    this.restarts = new Restarts({
      slots: this.slots,
      limits: () => this.options,
      shuttingDown: () => this.shuttingDown,
      fork: (slot) => this.fork(slot),
      emit,
      log,
      fatal: (error) => this.fail(error, "every worker errored"),
    });
    this.replacements = new Replacements({
      slots: this.slots,
      workers: this.workers,
      options: () => this.options,
      canReplace: () => !this.busy && !this.shuttingDown,
      replace: (slot) => this.replace(slot),
      exclusive: (what, task) => this.exclusive(what, task),
      diagnostics: this.diagnostics,
      emit,
      log,
    });
  }

  // ---- public API -----------------------------------------------------------

  /** Forks the workers; resolves when every slot has a ready worker (or gave up, if some did). */
  async start(): Promise<void> {
    if (this.lifecycle !== "idle") throw new CorralError("CORRAL_ERR_BUSY", "corral was already started");
    if (Corral.clusterInUse) throw new CorralError("CORRAL_ERR_BUSY", "one Corral per process: node:cluster has a single primary");
    this.output.open(); // log files are the primary's, opened before workers (maybe as another user) exist
    Corral.clusterInUse = true;
    this.lifecycle = "starting";
    try {
      await checkNodeInternals();
    } catch (error) {
      this.lifecycle = "idle";
      Corral.clusterInUse = false;
      throw error;
    }
    refuseInspectorSignal((message) => this.log("warn", message));
    const o = this.options;
    setupWorkers(o, this.identity);
    this.log("info", `starting ${o.workers} worker${o.workers === 1 ? "" : "s"} of ${basename(o.entry)} (${o.balance})`);
    const osWarning = o.balance === "os" ? reusePortDrainWarning() : null;
    if (osWarning) this.log("warn", osWarning);
    for (let id = 1; id <= o.workers; id++) this.addSlot(id);
    this.replacements.start();
    this.restartCron(o.restartCron);
    await untilSettled(this, [...this.slots.values()], this.slots);
    if (this.lifecycle === "starting") this.lifecycle = "running";
  }

  get options(): ResolvedOptions {
    return this.current;
  }

  /**
   * Rolling reload. With a configSource the configuration is read again first (config-reload.ts): a
   * file that does not validate, or a change that needs a new primary, throws before anything changed.
   */
  async reload(cause: ReloadCause = "operator"): Promise<{ ms: number; changed?: string[] }> {
    const lockFree = (): boolean => !this.busy && this.lifecycle === "running";
    if (!this.configSource || !lockFree()) return this.rollingReload(cause);
    return reloadWithConfiguration({
      source: this.configSource,
      identity: this.identity,
      replacements: this.replacements,
      acceptors: this.acceptors,
      options: () => this.current,
      setOptions: (next) => { this.current = next; },
      restartCron: (expression) => this.restartCron(expression),
      lockFree,
      rollingReload: () => this.rollingReload(cause),
      scale: (workers) => this.scale(workers),
      log: (level, message) => this.log(level, message),
    });
  }

  /** --restart-cron's timer, stopped and started again with `expression` (none for null). */
  private restartCron(expression: string | null): void {
    this.cronReload?.stop();
    this.cronReload = expression ? new CronReload(expression, { reload: () => this.reload("cron"), log: (level, message) => this.log(level, message) }) : null;
  }

  /** Each slot gets a new, ready worker before its old one drains (rolling-reload.ts). */
  private async rollingReload(cause: ReloadCause): Promise<{ ms: number }> {
    const { ms, replaced } = await this.exclusive("reload", () => replaceAll({
      cause,
      slots: this.slots,
      reloadParallel: this.options.reloadParallel,
      shuttingDown: () => this.shuttingDown,
      replace: (slot) => this.replace(slot),
      reloaded: () => this.reloads++,
      emit: this.emitEvent.bind(this),
      log: (level, message) => this.log(level, message),
    }));
    // The answer waits for the old workers' drains (outside the lock): a reload that had to SIGKILL
    // requests in flight must not report success.
    await Promise.all(replaced.map((worker) => worker.exited));
    const cut = cutOffError("reload done", replaced, this.options.killTimeoutMs);
    if (cut) {
      this.log("error", cut.message);
      throw cut;
    }
    return { ms };
  }

  /** Adds ready workers or drains surplus ones (scaling.ts); `requested` as --workers takes it: N, "max" or -1. */
  async scale(requested: number | "max"): Promise<void> {
    const count = workerCount(requested);
    return this.exclusive("scale", () => scaleTo(count, {
      slots: this.slots,
      addSlot: (id) => this.addSlot(id),
      retire: (slot) => this.retire(slot),
      settled: (added) => untilSettled(this, added, this.slots),
      emit: this.emitEvent.bind(this),
      log: (level, message) => this.log(level, message),
    }));
  }

  /** Graceful shutdown: stop accepting, drain every worker within --kill-timeout. */
  stop(reason = "stop"): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.lifecycle = "stopping";
      this.emitEvent("shutdown", { reason });
      for (const slot of this.slots.values()) clearSlotTimer(slot);
      this.cronReload?.stop();
      // /readyz is 503 from here on; a load balancer needs a moment to notice before the sockets close.
      const delay = this.readyCount() > 0 ? this.options.shutdownDelayMs : 0;
      if (delay > 0) {
        this.log("info", `shutting down (${reason}): still serving for ${delay} ms (--shutdown-delay) while /readyz says 503`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      this.log("info", `shutting down (${reason}): draining ${this.workers.size} worker${this.workers.size === 1 ? "" : "s"}`);
      this.acceptors.closeAll();
      const drained = [...this.workers];
      await Promise.all(drained.map((worker) => this.drain(worker)));
      const cut = cutOffError("shutdown", drained, this.options.killTimeoutMs);
      if (cut) this.log("error", cut.message);
      this.replacements.stop();
      this.lifecycle = "stopped";
      Corral.clusterInUse = false;
      this.log("info", "stopped");
      await this.output.close();
      this.emitEvent("stopped", {});
    })();
    return this.stopping;
  }

  /** SIGKILLs every worker at once (a second Ctrl-C). */
  forceStop(): void {
    for (const worker of this.workers) {
      worker.expectedExit = true;
      worker.kill("SIGKILL");
    }
  }

  /** Listening sockets passed to this process (socket activation, `corral upgrade`): served instead of bound. */
  adoptSockets(sockets: InheritedSockets): void {
    this.acceptors.inherited = sockets;
  }

  /** `corral upgrade`: the new primary takes the connections now; this one only finishes its hand-offs. */
  stopAccepting(): void {
    this.acceptors.stopAccepting();
  }

  /** The listening sockets' fds (`corral upgrade` passes them on). */
  listeningFds(): number[] {
    return this.acceptors.fds();
  }

  /** Set by the CLI, which knows how this process was started (cli/upgrade-handover.ts). */
  upgrader: ((node: string | undefined) => Promise<{ pid: number }>) | null = null;

  /** `corral upgrade`: a new primary takes over the sockets; not while a reload or scale runs. */
  upgrade(node?: string): Promise<{ pid: number }> {
    const upgrader = this.upgrader;
    if (!upgrader) throw new CorralError("CORRAL_ERR_CONTROL", "upgrade: only a supervisor started by `corral start` can hand its sockets over");
    return this.exclusive("upgrade", () => upgrader(node));
  }

  /** A worker has been ready since start (until then, failures before ready give up fast). */
  get hasServed(): boolean {
    return this.restarts.hasServed;
  }

  /** Reopens the log files (SIGUSR2, `corral logs NAME --reopen`), as logrotate's postrotate needs. */
  reopenLogs(): { files: string[]; failed: Array<{ path: string; error: string }> } {
    return this.output.reopen();
  }

  /** The ring buffer and `-f` streams behind `corral logs`, and waiting for stdout/stderr to drain. */
  get logs(): Pick<Output, "tail" | "follow" | "drained"> {
    return this.output;
  }

  get shuttingDown(): boolean {
    return this.lifecycle === "stopping" || this.lifecycle === "stopped";
  }

  /** `corral send`: an operator's message to every ready worker, or to worker `to` (slot id). */
  send(topic: unknown, data: unknown, to?: unknown): { delivered: number[] } {
    return this.talk.send(topic, data, to);
  }

  snapshot(): SupervisorSnapshot {
    return Object.assign(buildSnapshot({
      options: this.options,
      startedAt: this.startedAt,
      shuttingDown: this.shuttingDown,
      reloads: this.reloads,
      adminUrl: this.admin,
      acceptors: this.acceptors,
      workers: this.workers,
      slots: this.slots,
      logLinesDropped: this.output.dropped,
      diagnostics: this.diagnostics.snapshot(),
    }), this.talk.view());
  }

  /** Slot `id`'s current worker, if it has one (diagnostics/commands.ts). */
  currentWorker(id: number): ManagedWorker | null {
    const slot = this.slots.get(id);
    return slot && slot.state !== "retired" ? slot.worker : null;
  }

  /** The uid/gid workers run with (--user/--group); empty when they keep the primary's. */
  get workerIdentity(): WorkerIdentity {
    return this.identity;
  }

  /** Replaces slot `id`'s worker by a ready new one, as a reload does; `beforeDrain` hears of the old one before it drains. */
  replaceWorker(id: number, beforeDrain: (old: ManagedWorker) => void): Promise<ManagedWorker | null> {
    return this.exclusive(`replace worker ${id}`, async () => {
      const slot = this.slots.get(id);
      if (!slot || slot.state === "retired" || slot.worker?.state !== "ready") throw new CorralError("CORRAL_ERR_NOT_READY", `worker ${id} is not running and ready`);
      return this.replace(slot, beforeDrain);
    });
  }

  /** Workers the supervisor is asked to run (slots not scaled away). */
  get workersDesired(): number {
    return activeSlots(this.slots).length;
  }

  /** Ready workers that are some slot's current worker. */
  readyCount(): number {
    return countReady(this.slots);
  }

  // ---- for the admin server (admin/supervisor.ts) -------------------------------

  /** The per-slot counters as of now: every process since the start, the live ones' last heartbeats included. */
  slotTotals(): Pick<SlotCounters, "totals"> {
    this.counters.observe(this.workers);
    return this.counters;
  }

  /** A round of the app's prom-client metrics from the ready and draining workers, at most `timeoutMs` long. */
  gatherAppMetrics(timeoutMs: number): Promise<AppMetricsRound> {
    return this.appMetrics.gather(timeoutMs);
  }

  /** The admin server's URL while it listens. */
  get adminUrl(): string | null {
    return this.admin;
  }

  adminListening(url: string): void {
    this.admin = url;
  }

  adminClosed(url: string): void {
    if (this.admin === url) this.admin = null;
  }

  override on<E extends keyof AllEvents>(event: E, listener: (payload: AllEvents[E]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  // ---- slots and workers ----------------------------------------------------

  private addSlot(id: number): Slot {
    const slot = newSlot(id);
    this.slots.set(id, slot);
    slot.worker = this.fork(slot);
    return slot;
  }

  private fork(slot: Slot): ManagedWorker {
    const worker = spawnWorker(slot.id, this.options, this.output, this.hooks);
    this.workers.add(worker);
    this.replacements.forked(worker);
    this.talk.forked(worker);
    // Seen from its fork, a process that dies between two scrapes is counted too.
    this.counters.observe(this.workers);
    this.emitEvent("worker-fork", { id: slot.id, pid: worker.pid });
    return worker;
  }

  private markReady(worker: ManagedWorker): void {
    if (!worker.setState("ready")) return;
    this.restarts.ready();
    this.acceptors.refresh(worker);
    this.talk.ready();
    const startMs = worker.readyAt - worker.forkedAt;
    this.emitEvent("worker-ready", { id: worker.slotId, pid: worker.pid, startMs });
    this.log("info", `worker ${worker.slotId} (pid ${worker.pid}) ready in ${startMs} ms`);
  }

  /**
   * A worker drains on its own (SIGTERM sent to it): out of rotation now, and — not being a crash —
   * its slot gets the next worker at once, while it finishes its requests. One that does this within
   * --min-uptime of starting is left to the restart policy when it exits (backoff: never a fork loop).
   */
  private selfDrained(worker: ManagedWorker): void {
    void this.drain(worker);
    const slot = this.slots.get(worker.slotId);
    if (!slot || slot.worker !== worker || slot.state !== "running" || this.shuttingDown) return;
    if (Date.now() - worker.forkedAt < this.options.minUptimeMs) return;
    this.log("info", `worker ${slot.id} (pid ${worker.pid}) drains on its own (SIGTERM): starting its successor`);
    slot.worker = this.fork(slot);
  }

  private onExit(worker: ManagedWorker, code: number | null, signal: string | null): void {
    const uptimeMs = Date.now() - worker.forkedAt;
    const wasStarting = worker.state === "starting";
    worker.setState("stopped");
    this.workers.delete(worker);
    this.acceptors.detach(worker);
    this.talk.exited(worker);
    this.appMetrics.exited(worker);
    const end = reportExit(worker, code, signal, { uptimeMs, wasStarting }, { emit: this.emitEvent.bind(this), log: (level, message) => this.log(level, message) });

    const slot = this.slots.get(worker.slotId);
    if (!slot || slot.worker !== worker) return; // a replaced or drained worker: nothing to refill
    slot.worker = null;
    if (slot.state === "retired") {
      this.slots.delete(slot.id);
      return;
    }
    if (this.shuttingDown) return;
    this.restarts.exited(slot, worker, end);
  }

  /**
   * A worker's Node lacks an internal (node-internals.ts): while starting, corral cannot run at all
   * and exits 1 saying so. Later it cannot be true (every worker runs the primary's node), so it is
   * only that worker's word: it is replaced like a crashed one.
   */
  private unsupportedNode(worker: ManagedWorker, internal: string): void {
    const error = nodeInternalMissing(internal);
    if (this.lifecycle !== "starting") {
      worker.killReason = error.message;
      worker.kill("SIGKILL");
      return;
    }
    this.fail(error, "unsupported Node");
  }

  /** corral cannot go on: the CLI exits 1 with `error` (the `fatal` event) once every worker has stopped. */
  private fail(error: CorralError, reason: string): void {
    this.log("error", error.message);
    this.emitEvent("fatal", error);
    void this.stop(reason);
  }

  /** Starts a new worker in `slot`; once it is ready it becomes the slot's worker and the old one drains. */
  /** Resolves with the worker the fresh one replaced, now draining (null if none); `beforeDrain` hears of it first. */
  private async replace(slot: Slot, beforeDrain?: (old: ManagedWorker) => void): Promise<ManagedWorker | null> {
    // stop() drains the workers it finds; one forked after it began would be left behind.
    if (this.shuttingDown) throw new CorralError("CORRAL_ERR_STOPPED", "corral is shutting down");
    // A pending restart of the slot is left to run: if the fresh worker fails, the slot still refills.
    const fresh = this.fork(slot);
    try {
      await fresh.ready;
    } catch (error) {
      fresh.expectedExit = true;
      fresh.kill("SIGKILL");
      throw error;
    }
    if (this.shuttingDown) return null;
    // The slot's worker may have crashed while we waited and been restarted (or be about to be):
    // whatever is current now is what the fresh worker replaces.
    clearSlotTimer(slot);
    const current = slot.worker;
    slot.worker = fresh;
    slot.state = "running";
    slot.streak = 0;
    if (!current || current === fresh) return null;
    beforeDrain?.(current);
    void this.drain(current);
    return current;
  }

  private async retire(slot: Slot): Promise<void> {
    slot.state = "retired";
    clearSlotTimer(slot);
    if (slot.worker) await this.drain(slot.worker);
    this.slots.delete(slot.id);
  }

  /** Out of rotation now, then the worker exits; SIGKILL after --kill-timeout (drain.ts). */
  private drain(worker: ManagedWorker): Promise<void> {
    this.talk.leaving(worker);
    return drainWorker(worker, this.options.killTimeoutMs, this.hooks);
  }

  // ---- helpers --------------------------------------------------------------

  /** Reload, scale and memory replacement take turns: one changes the worker set at a time. */
  private async exclusive<T>(what: string, task: () => Promise<T>): Promise<T> {
    // Before start() nothing is set up (node:cluster's setupPrimary above all): a fork would run the wrong file.
    if (this.lifecycle === "idle") throw new CorralError("CORRAL_ERR_NOT_RUNNING", `cannot ${what}: corral has not been started (call start() first)`);
    if (this.shuttingDown) throw new CorralError("CORRAL_ERR_STOPPED", `cannot ${what}: corral is shutting down`);
    if (this.busy) throw new CorralError("CORRAL_ERR_BUSY", `cannot ${what}: a reload or scale is already in progress`);
    const running = task();
    this.busy = running;
    try {
      return await running;
    } finally {
      this.busy = null;
    }
  }

  private emitEvent<E extends keyof AllEvents>(event: E, payload: AllEvents[E]): void {
    this.emit(event, payload);
  }

  /** Writes a supervisor line in the configured log format (also for the CLI's own messages). */
  log(level: "info" | "warn" | "error", message: string): void {
    this.output.event(level, message);
  }
}
