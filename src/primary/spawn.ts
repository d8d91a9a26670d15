/**
 * Forking workers through node:cluster: what every worker runs (set once), and
 * for each fork its environment, the IPC guard, its output, the listeners that
 * report back to the supervisor, and the deadline for becoming ready. The
 * supervisor decides when to fork and what an exit means; this module only
 * connects a new process to it.
 */
import { ChildProcess } from "node:child_process";
import cluster, { Worker } from "node:cluster";
import type { ResolvedOptions } from "../config/types.js";
import { encodeWorkerEnv } from "../worker-env.js";
import { guardChannel } from "./ipc-guard.js";
import { workerExecArgv } from "./launch.js";
import { ManagedWorker } from "./managed-worker.js";
import type { Output } from "./output.js";
import type { WorkerIdentity } from "../config/identity.js";
import { onWorkerMessage, type MessageHandlers } from "./worker-messages.js";

/**
 * Where everything a worker reports goes: its protocol messages (MessageHandlers,
 * fed from node's internal channel), a PM2-style process.send("ready"), and its
 * process's disconnect and exit. One object, built once by the supervisor.
 */
export interface SpawnHooks extends MessageHandlers {
  disconnect(worker: ManagedWorker): void;
  exit(worker: ManagedWorker, code: number | null, signal: string | null): void;
}

/** Once, before the first fork: the entry, its node flags and the uid/gid every worker runs with. */
export function setupWorkers(o: ResolvedOptions, identity: WorkerIdentity): void {
  cluster.setupPrimary({
    exec: o.entry,
    args: [...o.args],
    execArgv: workerExecArgv(o.entry, o.nodeArgs),
    cwd: o.cwd,
    silent: true,
    serialization: "json",
    ...identity,
  });
}

/** Forks the worker for slot `slotId` and wires it to `hooks`; it starts in the `starting` state. */
export function spawnWorker(slotId: number, o: ResolvedOptions, output: Output, hooks: SpawnHooks): ManagedWorker {
  const forked = fork({
    // The admin token is the supervisor's secret, not the app's: node passes the primary's
    // environment on to workers, and an undefined value is how to leave a variable out.
    CORRAL_ADMIN_TOKEN: undefined as unknown as string,
    ...o.fileEnv,
    ...o.env,
    // PM2's convention: 0-based and stable per slot (a replacement gets its predecessor's number).
    [o.instanceVar]: String(slotId - 1),
    ...encodeWorkerEnv({
      id: slotId,
      name: o.name,
      waitReady: o.waitReady,
      heartbeatMs: o.heartbeatIntervalMs,
      balance: o.balance,
      killTimeoutMs: o.killTimeoutMs,
      noListen: o.noListen,
    }),
  });
  const worker = new ManagedWorker(slotId, forked.worker);
  const child = worker.worker.process;
  const ids = { id: slotId, pid: worker.pid };
  guardChannel(child, {
    rejected: (reason) => hooks.log("warn", `worker ${slotId} (pid ${worker.pid}): ${reason}`),
    corrupt: (reason) => {
      worker.killReason = reason;
      worker.kill("SIGKILL");
    },
    refuse: (message) => hooks.listenPolicy.internal(message),
  });
  // node:cluster's Worker re-emits its process's 'error', and an 'error' nobody listens to is thrown:
  // this listener is what keeps a failed send or fork from ending the primary.
  worker.worker.on("error", (error: NodeJS.ErrnoException) => {
    // A send racing the worker's death (EPIPE, channel closed) needs nothing: its exit is reported and
    // what it carried is re-distributed or given up there. A process that never started has no exit to come.
    if (child.pid === undefined && worker.state !== "stopped") failedToStart(worker, error, hooks);
  });
  if (forked.error) {
    const error = forked.error;
    process.nextTick(() => child.emit("error", error));
  }
  if (child.stdout) output.pipe(child.stdout, "stdout", ids);
  if (child.stderr) output.pipe(child.stderr, "stderr", ids, (line) => worker.rememberStderr(line));
  child.on("internalMessage", (message: unknown) => onWorkerMessage(worker, message, hooks));
  // PM2-style apps signal readiness with process.send("ready").
  worker.worker.on("message", (message: unknown) => {
    if (message === "ready" && o.waitReady) hooks.ready(worker);
  });
  worker.worker.on("disconnect", () => hooks.disconnect(worker));
  worker.worker.on("exit", (code: number | null, signal: string | null) => hooks.exit(worker, code, signal));
  worker.after(o.listenTimeoutMs, () => {
    if (worker.state !== "starting") return;
    worker.killReason = `did not become ready within ${o.listenTimeoutMs} ms` +
      (o.waitReady ? " (--wait-ready: the app must call worker.ready() or process.send(\"ready\"))" : " (no server listening)");
    worker.kill("SIGKILL");
  });
  return worker;
}

/**
 * cluster.fork(), or, when node throws instead of emitting 'error' (spawn E2BIG, ENOMEM, ELOOP…:
 * only EACCES, EAGAIN, EMFILE, ENFILE and ENOENT are emitted), a worker whose process never started
 * and the error to emit on it: one path for every failed fork, the slot's restart with backoff.
 */
function fork(env: NodeJS.ProcessEnv): { worker: Worker; error: Error | null } {
  try {
    return { worker: cluster.fork(env), error: null };
  } catch (error) {
    const placeholder = new (Worker as unknown as new (options: { process: ChildProcess }) => Worker)({ process: new ChildProcess() });
    return { worker: placeholder, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** The fork failed: no 'exit' will follow (node emits only 'error'), so the worker ends here. */
function failedToStart(worker: ManagedWorker, error: NodeJS.ErrnoException, hooks: SpawnHooks): void {
  worker.killReason = `could not be started: ${error.message}`;
  // node:cluster forgets a worker on its process's exit, which never comes.
  if (cluster.workers?.[worker.worker.id] === worker.worker) delete cluster.workers[worker.worker.id];
  hooks.exit(worker, null, null);
}
