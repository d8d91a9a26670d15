/**
 * `corral start <entry>`: resolve options (flags > config file > CORRAL_* env),
 * run the supervisor in the foreground, open its control socket (and admin
 * server), and map signals (signals.ts): SIGTERM/SIGINT/SIGQUIT drain and exit 0,
 * a second SIGINT or SIGQUIT forces, SIGHUP reloads, SIGUSR2 reopens the log files.
 */
import { constants } from "node:os";
import { misspelledEnvWarnings } from "../config/env.js";
import type { AdminServer } from "../admin/server.js";
import { openControlServer, type ControlServer } from "../control/server.js";
import { CorralError } from "../errors.js";
import { Corral } from "../primary/corral.js";
import { describeSocket, InheritedSockets, passedFds } from "../primary/inherited-sockets.js";
import { notifySystemd, SdNotify } from "../primary/sd-notify.js";
import { parseStartArgs, START_HELP } from "./args.js";
import { startedByNpm, watchLauncher } from "./launcher-watch.js";
import { handleSignals } from "./signals.js";
import { ecosystemAppNames, resolveStartOptions } from "./start-options.js";
import { Successor } from "./successor.js";
import { installUpgrade, launchOf, type StartedAs } from "./upgrade-handover.js";

/** How this process was started, and what it was handed (sockets; the old primary, under `corral upgrade`). */
interface Context {
  inherited: InheritedSockets | null;
  successor: Successor | null;
  startedAs: StartedAs;
}

export async function start(argv: string[]): Promise<number> {
  // First: the workers are forked with this environment and must not see LISTEN_FDS.
  const passed = passedFds(process.env);
  const successor = Successor.fromEnv(process.env);
  const startedAs = launchOf(argv);
  try {
    const parsed = parseStartArgs(argv);
    if (parsed.help) {
      process.stdout.write(START_HELP);
      return 0;
    }
    const apps = await ecosystemAppNames(parsed, process.cwd());
    if (apps.length > 1) return await (await import("./apps.js")).runApps(apps, argv);
    const warnings: string[] = [];
    const options = await resolveStartOptions(parsed, { cwd: process.cwd(), env: process.env }, (warning) => warnings.push(warning));
    const corral = new Corral(options);
    for (const warning of warnings) corral.log("warn", warning);
    // corral reload (and SIGHUP) read the flags' file and env again: PM2's reload --update-env.
    corral.configSource = (current) => resolveStartOptions(parsed, { cwd: process.cwd(), env: process.env, current });
    for (const warning of misspelledEnvWarnings(process.env)) corral.log("warn", warning);
    const inherited = passed.length > 0 ? new InheritedSockets(passed) : null;
    if (inherited) corral.adoptSockets(inherited);
    return await runInForeground(corral, { inherited, successor, startedAs });
  } catch (error) {
    // Started by `corral upgrade`: the old primary reports our error and serves on.
    successor?.failed((error as Error).message);
    throw error;
  }
}

/** Once everything stopped, how long a slow stdout/stderr reader gets to take the last lines. */
const OUTPUT_DRAIN_MS = 3_000;

async function runInForeground(corral: Corral, context: Context): Promise<number> {
  const code = await superviseInForeground(corral, context);
  if (code !== 0) context.successor?.failed(`the new primary exited with code ${code}`);
  // A reader that stopped reading must not keep a stopped corral alive: what it has not taken is given up.
  if (!(await corral.logs.drained(OUTPUT_DRAIN_MS))) process.exit(code);
  return code;
}

async function superviseInForeground(corral: Corral, context: Context): Promise<number> {
  const { inherited, successor } = context;
  // A new primary (`corral upgrade`) takes the control socket name once the old one gives it up.
  let control: ControlServer | null = successor ? null : await openControlServer(corral);
  let admin: AdminServer | null = null;
  const notify = SdNotify.fromEnv(process.env, (message) => corral.log("warn", message));
  const systemd = notify ? notifySystemd(corral, notify) : null;
  let exitCode = 0;
  let signals = 0;

  const shutdown = async (reason: string): Promise<void> => {
    await corral.stop(reason);
    await Promise.allSettled([control?.close(), admin?.close()]);
  };
  const onStopSignal = (signal: NodeJS.Signals): void => {
    signals++;
    // The terminal's keys (Ctrl-C, Ctrl-\) force on a second press; SIGTERM from a manager never does.
    if (signals > 1 && (signal === "SIGINT" || signal === "SIGQUIT")) {
      process.stderr.write(`[corral] second ${signal}: killing every worker now\n`);
      corral.forceStop();
      process.exit(128 + constants.signals[signal]);
    }
    void shutdown(signal);
  };
  handleSignals({
    stop: onStopSignal,
    reload: (signal) => {
      corral.log("info", `${signal}: rolling reload`);
      corral.reload().catch((error: Error) => {
        // A failed reload was already reported with the app's error; a refused one was not.
        if (error instanceof CorralError && (error.code === "CORRAL_ERR_BUSY" || error.code === "CORRAL_ERR_STOPPED")) {
          corral.log("warn", `${signal} ignored: ${error.message}`);
        }
      });
    },
    ignore: (signal) => corral.log("warn", `${signal} ignored (see the signal table in the README)`),
  });
  // logrotate's postrotate (not a default action: that would end the primary and with it every worker).
  process.on("SIGUSR2", () => void corral.reopenLogs());
  // A new primary's parent is the old one, which exits by design: not a launcher going away.
  // One app of an ecosystem file's tree (apps.ts): in a process group of its own, so it watches its parent.
  const inAppTree = process.env.CORRAL_APP_TREE === String(process.ppid);
  if ((startedByNpm(process.env) || inAppTree) && !successor) {
    const stopWatching = watchLauncher((why) => {
      corral.log("warn", inAppTree ? `the corral that started this app ${why.replace(/^its parent /, "")}: shutting down` : `npm started corral and ${why}: shutting down (run corral with exec, see the README)`);
      void shutdown("launcher exited");
    });
    corral.once("shutdown", stopWatching);
  }
  corral.on("fatal", (error) => {
    successor?.failed(error.message);
    exitCode = 1;
  });

  try {
    // The admin server comes up first, so /healthz answers and /readyz says 503 while workers start.
    if (corral.options.admin) {
      const { startAdminServer } = await import("../admin/server.js");
      admin = await startAdminServer(corral, corral.options.admin, corral.options.adminToken, inherited?.takeAdmin() ?? null);
      process.stdout.write(`[corral] admin server on ${corral.adminUrl} (dashboard, /metrics, /status, /healthz, /readyz)\n`);
    }
    await corral.start();
    if (inherited) reportInherited(corral, inherited);
    if (successor) control = await successor.takeOver(() => openControlServer(corral));
    installUpgrade(corral, context.startedAs, { control: () => control, admin: () => admin, shutdown, notify });
    await systemd?.ready();
    if (corral.options.watch) {
      const { watchForChanges } = await import("../primary/watch.js");
      const watcher = watchForChanges(corral);
      corral.on("shutdown", () => watcher.close());
    }
  } catch (error) {
    successor?.failed((error as Error).message);
    await shutdown("start failed");
    // A crash loop was already reported with the app's own stderr; don't say it twice.
    if (error instanceof CorralError && error.code === "CORRAL_ERR_ALL_ERRORED") return 1;
    // Stopped while starting (SIGTERM, corral stop): an orderly stop like any other, so 0.
    if (error instanceof CorralError && error.code === "CORRAL_ERR_STOPPED") return exitCode;
    throw error;
  }
  await new Promise<void>((resolve) => corral.once("stopped", () => resolve()));
  await Promise.allSettled([control?.close(), admin?.close()]);
  return exitCode;
}

/** Which passed sockets serve the app, and which the app never listened on (the operator's unit may be wrong). */
function reportInherited(corral: Corral, inherited: InheritedSockets): void {
  for (const problem of inherited.problems) corral.log("warn", `passed socket ${problem}`);
  const adopted = inherited.sockets.filter((s) => s.adopted && s.name !== "admin");
  if (adopted.length > 0) corral.log("info", `serving on passed socket${adopted.length === 1 ? "" : "s"} ${adopted.map(describeSocket).join(", ")}`);
  for (const socket of inherited.unused()) {
    corral.log("warn", `passed socket ${describeSocket(socket)} is not one the app listens on (it listens on ${corral.snapshot().listening.map((l) => `${l.address}:${l.port}`).join(", ") || "nothing"}): connections to it wait unanswered`);
  }
}
