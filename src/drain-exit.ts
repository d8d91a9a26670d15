/**
 * How a worker's drain ends, as its exit code: the worker side (src/worker/drain.ts)
 * exits with one of these, the primary reports anything but a clean drain. Exit
 * codes rather than a message: they still tell when the IPC channel is gone, and
 * `corral_*` exits and process accounting see them too.
 */
export const DRAIN_EXIT = Object.freeze({
  /** Every connection finished and every shutdown hook resolved. */
  clean: 0,
  /** A `worker.onShutdown` hook threw or rejected (EX_SOFTWARE). */
  hookFailed: 70,
  /** The drain was still running at its deadline (as timeout(1) exits). */
  timedOut: 124,
});

/** Why a drained worker's exit was not clean, or null if it was (or was SIGKILLed at --kill-timeout, reported there). */
export function drainTrouble(code: number | null, signal: string | null): string | null {
  if (signal !== null) return signal === "SIGKILL" ? null : `ended by ${signal} while draining`;
  if (code === DRAIN_EXIT.clean || code === null) return null;
  if (code === DRAIN_EXIT.hookFailed) return `drained, but a shutdown hook failed (exit code ${code}; its error is in the worker's stderr)`;
  if (code === DRAIN_EXIT.timedOut) return `did not finish draining in time (exit code ${code})`;
  return `exited with code ${code} while draining`;
}
