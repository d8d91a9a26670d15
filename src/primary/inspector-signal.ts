/**
 * SIGUSR1 belongs to nobody in the supervisor.
 *
 * node opens its inspector on 127.0.0.1:9229 when it receives SIGUSR1 (a native
 * handler installed at start-up), and an inspector evaluates any code it is sent,
 * as the process's user: in a root primary (`--user`) that is root for every local
 * user who can connect to loopback. A JavaScript listener for the signal replaces
 * node's handler (libuv installs its own sigaction); checked on Node 20 and 24.
 * The listener stays for the process's life: removing it would restore node's.
 * Diagnosing a worker is the worker's business, never a signal to the primary.
 */
let report: (message: string) => void = (message) => void process.stderr.write(`[corral] ${message}\n`);
let installed = false;

/** Takes SIGUSR1 away from node's inspector (once per process); `log` reports each one received. */
export function refuseInspectorSignal(log?: (message: string) => void): void {
  if (log) report = log;
  if (installed || process.platform === "win32") return;
  installed = true;
  process.on("SIGUSR1", () => report("SIGUSR1 ignored: the supervisor never opens an inspector"));
}
