/**
 * Diagnostic orders from the primary (`corral profile`, `report`,
 * `heap-snapshot`, and closing the inspector after `corral inspect`), done in
 * this process through node:inspector's in-process Session and process.report:
 * no port is opened for them. Each writes its file at the path the primary gave
 * (in a 0700 directory it made for this order) and answers with a
 * DiagnosticReply; the primary streams the file to the operator.
 *
 * The heap snapshot blocks this thread for as long as it takes, so it is taken
 * while the worker drains, out of rotation, after its last request: it is a
 * shutdown hook, and the primary has already replaced this worker.
 */
import inspector from "node:inspector";
import { renameSync, writeFileSync } from "node:fs";
import { writeHeapSnapshot } from "node:v8";
import type { DiagnosticOrder } from "../protocol.js";
import { sendToPrimary } from "./channel.js";
import type { ShutdownHook } from "./shared-state.js";

export function onDiagnosticOrder(order: DiagnosticOrder, shutdownHooks: ShutdownHook[]): void {
  const reply = (error: unknown): void => {
    const text = error === null ? null : String((error as Error)?.message ?? error).slice(0, 4000);
    sendToPrimary({ act: "diagnostic", seq: order.seq, error: text });
  };
  switch (order.kind) {
    case "profile":
      cpuProfile(order.path, order.durationMs).then(() => reply(null), reply);
      break;
    case "report":
      attempt(() => process.report.writeReport(order.path), reply);
      break;
    case "heap-snapshot":
      shutdownHooks.push(() =>
        attempt(() => {
          const partial = `${order.path}.partial`;
          writeHeapSnapshot(partial);
          renameSync(partial, order.path); // complete or absent: the primary checks for this name
        }, reply),
      );
      break;
    case "inspector-close":
      attempt(() => inspector.close(), reply);
      break;
  }
}

function attempt(action: () => unknown, reply: (error: unknown) => void): void {
  try {
    action();
    reply(null);
  } catch (error) {
    reply(error);
  }
}

/** A sampling CPU profile over `durationMs`, written as a .cpuprofile (the Profiler.Profile JSON). */
async function cpuProfile(path: string, durationMs: number): Promise<void> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string): Promise<any> =>
    new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  try {
    await post("Profiler.enable");
    await post("Profiler.start");
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(path, JSON.stringify(profile), { mode: 0o600 });
  } finally {
    session.disconnect();
  }
}
