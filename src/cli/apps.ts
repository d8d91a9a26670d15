/**
 * `corral start ecosystem.config.js` with several apps and no --name: pm2-runtime's job, without a
 * daemon. One corral per app, each a child of this process with the same command line plus
 * `--name APP` (so each has its own control socket: `corral status` lists them, `corral reload APP`
 * acts on one), its output on ours. Signals are passed on to every app (SIGTERM drains them all;
 * a second Ctrl-C forces, as for one corral); if this process is killed, each app drains by itself;
 * when one app's corral ends, the others are drained too and this process exits with the first
 * non-zero code — under Docker or systemd the whole tree is restarted, never left half up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";

const PASSED_ON: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR2"];

export function runApps(names: readonly string[], argv: readonly string[]): Promise<number> {
  process.stdout.write(`[corral] starting ${names.length} apps, one corral each: ${names.join(", ")}\n`);
  const children = new Map<string, ChildProcess>();
  let exitCode: number | null = null;
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals): void => {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of PASSED_ON) {
    process.on(signal, () => {
      if (signal === "SIGTERM" || signal === "SIGINT" || signal === "SIGQUIT") stopping = true;
      stopAll(signal);
    });
  }
  return new Promise<number>((resolve) => {
    for (const name of names) {
      // A process group of its own: a terminal's Ctrl-C reaches this process only, which passes it on once
      // (twice would force). It watches this process (CORRAL_APP_TREE) and drains if it goes away.
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "start", ...argv, "--name", name], {
        stdio: "inherit",
        detached: true,
        env: { ...process.env, CORRAL_APP_TREE: String(process.pid) },
      });
      children.set(name, child);
      child.on("exit", (code, signal) => {
        const result = code ?? 128 + (signal ? constants.signals[signal] : 0);
        if (exitCode === null || (exitCode === 0 && result !== 0)) exitCode = result;
        if (!stopping) {
          stopping = true;
          process.stderr.write(`[corral] app ${name} ended (${signal ?? `exit code ${code}`}): stopping the others\n`);
          stopAll("SIGTERM");
        }
        if ([...children.values()].every((c) => c.exitCode !== null || c.signalCode !== null)) resolve(exitCode ?? 0);
      });
    }
  });
}
