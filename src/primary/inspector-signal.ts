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

/**
 * Process-wide, as the signal is: one listener for the process's life, which reports through the
 * last log given (the CLI's stderr first, then the supervisor's log once it runs).
 */
const sigusr1 = {
  installed: false,
  report: (message: string): void => void process.stderr.write(`[corral] ${message}\n`),
};

/** Takes SIGUSR1 away from node's inspector (once per process); `log` reports each one received. */
export function refuseInspectorSignal(log?: (message: string) => void): void {
  if (log) sigusr1.report = log;
  if (sigusr1.installed || process.platform === "win32") return;
  sigusr1.installed = true;
  process.on("SIGUSR1", () => sigusr1.report("SIGUSR1 ignored: the supervisor never opens an inspector"));
}
