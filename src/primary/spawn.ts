/**
 * Forking workers through node:cluster: what every worker runs (set once), and
 * for each fork its environment, the IPC guard, its output, the listeners that
 * report back to the supervisor, and the deadline for becoming ready. The
 * supervisor decides when to fork and what an exit means; this module only
 * connects a new process to it.
 */
import cluster from "node:cluster";
import type { ResolvedOptions } from "../config/types.js";
import { encodeWorkerEnv } from "../worker-env.js";
import { guardChannel } from "./ipc-guard.js";
import { workerExecArgv } from "./launch.js";
import { ManagedWorker } from "./managed-worker.js";
import type { Output } from "./output.js";
import type { WorkerIdentity } from "./privileges.js";
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
  const worker = new ManagedWorker(
    slotId,
    cluster.fork({
      // The admin token is the supervisor's secret, not the app's: node passes the primary's
      // environment on to workers, and an undefined value is how to leave a variable out.
      CORRAL_ADMIN_TOKEN: undefined as unknown as string,
      ...o.env,
      ...encodeWorkerEnv({
        id: slotId,
        name: o.name,
        waitReady: o.waitReady,
        heartbeatMs: o.heartbeatIntervalMs,
        balance: o.balance,
        killTimeoutMs: o.killTimeoutMs,
      }),
    }),
  );
  const child = worker.worker.process;
  const ids = { id: slotId, pid: worker.pid };
  guardChannel(child, {
    rejected: (reason) => hooks.log("warn", `worker ${slotId} (pid ${worker.pid}): ${reason}`),
    corrupt: (reason) => {
      worker.killReason = reason;
      worker.kill("SIGKILL");
    },
  });
  // A hand-off racing a worker's death fails on send; the exit handler re-distributes it.
  child.on("error", () => {});
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
