/**
 * `import { worker } from "corral/worker"` — what an app may use inside a worker.
 * Outside corral (plain `node app.js`) every call is a harmless no-op, so the
 * same app runs with and without the supervisor.
 */
import type { LeaderCallback, MessageListener } from "./messages.js";
import { getRegistry, type ShutdownHook } from "./shared-state.js";

export type { LeaderCallback, MessageListener, ShutdownHook };

export const worker = {
  /** Slot id of this worker (1..N), stable across restarts of the slot; 0 outside corral. */
  get id(): number {
    return getRegistry()?.id ?? 0;
  },
  /** True when running under corral. */
  get isCorral(): boolean {
    return getRegistry() !== undefined;
  },
  /**
   * Tells the supervisor this worker is ready for traffic. Only needed with
   * --wait-ready (otherwise a worker is ready once its servers listen).
   */
  ready(): void {
    getRegistry()?.markReady();
  },
  /**
   * Registers cleanup to run when the worker drains (reload, scale down, shutdown),
   * after its servers stop accepting. Hooks run in parallel; the supervisor
   * SIGKILLs the worker after --kill-timeout whatever they are doing.
   */
  onShutdown(hook: ShutdownHook): void {
    if (typeof hook !== "function") throw new TypeError("worker.onShutdown expects a function");
    getRegistry()?.shutdownHooks.push(hook);
  },
  /**
   * The app's own health check, run with each heartbeat: resolving is healthy, throwing,
   * rejecting or returning false is not (and one still running after a second or the
   * heartbeat interval has failed). After --unhealthy-after failures in a row the supervisor
   * replaces this worker, gracefully and one at a time; when every worker fails at once it
   * reports overload and replaces none. One check per worker: the last one given wins.
   */
  healthCheck(check: () => unknown): void {
    if (typeof check !== "function") throw new TypeError("worker.healthCheck expects a function");
    getRegistry()?.setHealthCheck?.(check);
  },
  /**
   * Sends `data` (anything JSON can carry, at most 256 KB as JSON) under `topic` to every
   * other ready worker, through the supervisor. Throws a CorralError (code
   * CORRAL_ERR_MESSAGE_TOO_LARGE or CORRAL_ERR_MESSAGE_RATE) over the limits.
   */
  broadcast(topic: string, data?: unknown): void {
    getRegistry()?.talk?.broadcast(topic, data);
  },
  /** Sends `data` under `topic` to worker `id` (its slot id); dropped if no such worker is ready. */
  send(id: number, topic: string, data?: unknown): void {
    getRegistry()?.talk?.send(id, topic, data);
  },
  /** Calls `listener(data, from)` for each message under `topic`; `from` is the sender's id, 0 for `corral send`. */
  on(topic: string, listener: MessageListener): void {
    getRegistry()?.talk?.on(topic, listener);
  },
  off(topic: string, listener: MessageListener): void {
    getRegistry()?.talk?.off(topic, listener);
  },
  /**
   * Runs `start` on exactly one worker at a time, the leader, and `stop` there before
   * another worker leads (reload, scale-down, shutdown). Outside corral the process is
   * alone, so it is the leader: `start` runs at once.
   */
  onLeader(start: LeaderCallback, stop: LeaderCallback): void {
    if (typeof start !== "function" || typeof stop !== "function") throw new TypeError("worker.onLeader expects two functions: start and stop");
    const talk = getRegistry()?.talk;
    if (talk) talk.onLeader(start, stop);
    else if (getRegistry() === undefined) Promise.resolve().then(start).catch((error: unknown) => console.error("worker.onLeader start failed:", error));
  },
  /** True while this worker is the leader (its `start` callbacks ran, its `stop` callbacks did not). */
  get isLeader(): boolean {
    return getRegistry()?.talk?.isLeader ?? getRegistry() === undefined;
  },
};

export default worker;
