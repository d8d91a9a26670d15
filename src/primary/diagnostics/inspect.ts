/**
 * `corral inspect NAME ID`: opens worker ID's inspector for a person with
 * DevTools, on the loopback port its runtime preset (worker/inspector-port.ts),
 * by SIGUSR1, so it opens even in a worker whose event loop is stuck. It stays
 * open until `corral inspect NAME ID --close`, the worker's exit, or the
 * timeout, whichever comes first; closing is the worker's own inspector.close().
 *
 * While it is open, every local user can connect and run code as the worker's
 * user (node's inspector has no authentication). So: loopback only, on demand,
 * for a bounded time, and not in a worker running as root unless the operator
 * says --allow-root.
 */
import { CorralError } from "../../errors.js";
import type { Corral } from "../corral.js";
import type { ManagedWorker } from "../managed-worker.js";
import { waitForTarget } from "./hang-stack.js";
import { readyWorker } from "./commands.js";
import type { InspectorUrls } from "./diagnostics.js";

const OPEN_TIMEOUT_MS = 3_000;
const CLOSE_TIMEOUT_MS = 5_000;

export function runsAsRoot(corral: Corral): boolean {
  return (corral.workerIdentity.uid ?? process.getuid?.()) === 0;
}

export async function openInspector(corral: Corral, id: number, options: { allowRoot: boolean; timeoutMs: number }): Promise<InspectorUrls> {
  const worker = readyWorker(corral, id);
  const already = corral.diagnostics.openInspectors.get(worker);
  if (already) return already;
  if (runsAsRoot(corral) && !options.allowRoot) {
    throw new CorralError(
      "CORRAL_ERR_BAD_OPTION",
      `worker ${id} runs as root: while its inspector is open any local user can run code in it as root. ` +
        "Run the workers with --user, or pass --allow-root if this machine has no other users",
    );
  }
  const port = worker.inspectorPort;
  if (port === null) throw new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${id} has no inspector port (its runtime did not report one)`);
  try {
    process.kill(worker.pid, "SIGUSR1");
  } catch (error) {
    throw new CorralError("CORRAL_ERR_DIAGNOSTIC", `could not signal worker ${id}: ${(error as Error).message}`);
  }
  const ws = await waitForTarget(port, Date.now() + OPEN_TIMEOUT_MS);
  if (ws === null) throw new CorralError("CORRAL_ERR_DIAGNOSTIC", `worker ${id}'s inspector did not open on 127.0.0.1:${port} within ${OPEN_TIMEOUT_MS} ms`);
  const urls: InspectorUrls = {
    port,
    ws,
    devtools: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${ws.slice("ws://".length)}`,
    closesAt: Date.now() + options.timeoutMs,
  };
  corral.diagnostics.openInspectors.set(worker, urls);
  corral.log("warn", `worker ${id} (pid ${worker.pid}): inspector open on 127.0.0.1:${port} (corral inspect) for at most ${Math.round(options.timeoutMs / 1000)} s`);
  worker.after(options.timeoutMs, () => void closeWorkerInspector(corral, worker, "its time is up").catch(() => {}));
  return urls;
}

export async function closeInspector(corral: Corral, id: number): Promise<void> {
  const worker = corral.currentWorker(id);
  if (!worker || worker.state === "stopped") return; // gone, and its inspector with it
  await closeWorkerInspector(corral, worker, "corral inspect --close");
}

async function closeWorkerInspector(corral: Corral, worker: ManagedWorker, why: string): Promise<void> {
  await corral.diagnostics.orders.send(worker, "inspector-close", "", 0, CLOSE_TIMEOUT_MS);
  if (corral.diagnostics.openInspectors.delete(worker)) corral.log("info", `worker ${worker.slotId} (pid ${worker.pid}): inspector closed (${why})`);
}
