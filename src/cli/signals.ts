/**
 * What each signal does to `corral start` (the primary). Every signal whose
 * default action would end the process has a defined behaviour here, so no
 * stray signal takes the service down without a drain:
 *
 * - stop:   orderly shutdown (drain within --kill-timeout, exit 0). SIGQUIT is
 *           Ctrl-\ in a terminal, SIGPWR comes from init on power failure,
 *           SIGXCPU is the soft CPU-time limit (the hard one SIGKILLs later).
 * - reload: rolling reload (SIGHUP: systemctl reload, kill -HUP).
 * - ignore: signals nobody sends a supervisor on purpose; their default would
 *           kill it. Logged, so a sender can be found. SIGXFSZ ignored makes a
 *           write past the file-size limit fail with EFBIG instead.
 *
 * Not here: SIGUSR1 (node's inspector; see the security notes), SIGUSR2 (log
 * files), SIGPIPE (node ignores it), SIGPROF (V8's CPU profiler samples with it:
 * a listener would take its ticks, and `node --cpu-prof` on the primary would log
 * thousands of them and record nothing), the job-control stops (the whole group
 * pauses and resumes together), and the fault signals SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT, SIGTRAP, SIGSYS, which node cannot or must not handle in
 * JavaScript: the primary dies, and its workers exit when their IPC channel closes.
 *
 * Workers ignore SIGINT, SIGQUIT, SIGHUP and SIGUSR2 (src/worker/runtime.ts): a terminal
 * sends the first three to the whole process group, `systemctl kill` the last to the whole
 * unit, and the primary decides what they mean.
 */
import { constants } from "node:os";

export type SignalAction = "stop" | "reload" | "ignore";

export const SIGNAL_ACTIONS: Readonly<Partial<Record<NodeJS.Signals, SignalAction>>> = Object.freeze({
  SIGTERM: "stop",
  SIGINT: "stop",
  SIGQUIT: "stop",
  SIGPWR: "stop",
  SIGXCPU: "stop",
  SIGHUP: "reload",
  SIGALRM: "ignore",
  SIGVTALRM: "ignore",
  SIGIO: "ignore",
  SIGSTKFLT: "ignore",
  SIGXFSZ: "ignore",
});

export interface SignalHandlers {
  stop(signal: NodeJS.Signals): void;
  reload(signal: NodeJS.Signals): void;
  ignore(signal: NodeJS.Signals): void;
}

/** Installs a listener for every signal of the table this platform knows; returns a remover. */
export function handleSignals(handlers: SignalHandlers): () => void {
  const installed: [NodeJS.Signals, () => void][] = [];
  for (const [signal, action] of Object.entries(SIGNAL_ACTIONS) as [NodeJS.Signals, SignalAction][]) {
    if (!(signal in constants.signals)) continue; // SIGPWR, SIGSTKFLT: Linux only
    const listener = (): void => handlers[action](signal);
    process.on(signal, listener);
    installed.push([signal, listener]);
  }
  return () => {
    for (const [signal, listener] of installed) process.off(signal, listener);
  };
}
