/**
 * The Node internals corral relies on (docs/internals.md), checked once when the supervisor
 * starts. None is public API; a Node release that renames one would otherwise make corral
 * stall or quietly do less (a renamed `_handleQueue` would drop every real handle
 * acknowledgement). Instead corral exits 1 naming the Node version and the internal.
 *
 * Checked here, in the primary (workers run the same node binary):
 * - a listening handle's `onconnection`, which net sets and corral takes over (acceptor.ts) and
 *   calls on the worker's stand-in handle (worker/listen.ts);
 * - the http connections list (`Symbol(http.server.connections)`), drain's way to the in-flight
 *   responses (worker/http-stats.ts);
 * - the IPC channel internals the guard wraps (ipc-guard.ts `missingChannelInternals`).
 * Checked by each worker at start (it exists only in a worker): `cluster._getServer`, the hook
 * every listen() goes through (worker/listen.ts); a worker without it reports `unsupported`.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { CorralError } from "../errors.js";
import { connectionsList } from "../worker/http-stats.js";
import { missingChannelInternals } from "./ipc-guard.js";

/** The error for a missing internal: exit 1, with what to do about it. */
export function nodeInternalMissing(internal: string): CorralError {
  return new CorralError(
    "CORRAL_ERR_NODE_UNSUPPORTED",
    `Node ${process.version} lacks ${internal}, a Node internal corral relies on (docs/internals.md); ` +
      "this Node version is not supported by this corral: use the Node versions in its package.json \"engines\", or upgrade corral",
  );
}

/** Rejects with nodeInternalMissing() for the first missing internal. */
export async function checkNodeInternals(): Promise<void> {
  const missing = [...(await missingServerInternals()), ...missingChildInternals()];
  if (missing.length > 0) throw nodeInternalMissing(missing.join(", "));
}

/** A throwaway http server on a loopback port: its listening handle and connections list. */
async function missingServerInternals(): Promise<string[]> {
  const server = http.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch {
    return []; // no loopback to probe with: nothing known to be missing
  }
  try {
    const missing: string[] = [];
    const handle = (server as unknown as { _handle?: { onconnection?: unknown } | null })._handle;
    if (typeof handle?.onconnection !== "function") missing.push("the listening handle's onconnection (net.Server#_handle.onconnection)");
    if (!connectionsList(server)) missing.push("the http server's connections list (Symbol(http.server.connections))");
    return missing;
  } finally {
    server.close();
  }
}

/** A child with an IPC channel like a worker's, killed at once: the channel exists from the spawn on. */
function missingChildInternals(): string[] {
  let child;
  try {
    child = spawn(process.execPath, ["-e", ""], { stdio: ["ignore", "ignore", "ignore", "ipc"], serialization: "json" });
  } catch {
    return []; // cannot fork now: the workers' forks will say why
  }
  child.on("error", () => {});
  try {
    return child.pid === undefined ? [] : missingChannelInternals(child);
  } finally {
    child.kill("SIGKILL");
    child.disconnect?.();
  }
}
