/**
 * `corral start <entry>`: resolve options (flags > config file > CORRAL_* env),
 * run the supervisor in the foreground, open its control socket (and admin
 * server), and map signals: SIGTERM/SIGINT drain and exit 0, a second SIGINT
 * forces, SIGHUP reloads.
 */
import { basename, resolve } from "node:path";
import { openControlServer } from "../control/server.js";
import { loadConfigFile } from "../config/file.js";
import { optionsFromEnv } from "../config/env.js";
import type { OptionLayer } from "../config/keys.js";
import { mergeSources } from "../config/merge.js";
import { resolveOptions } from "../config/resolve.js";
import type { ResolvedOptions } from "../config/types.js";
import { CorralError, badConfig } from "../errors.js";
import { Corral } from "../primary/corral.js";
import { parseStartArgs, START_HELP } from "./args.js";

export async function start(argv: string[]): Promise<number> {
  const parsed = parseStartArgs(argv);
  if (parsed.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const options = await resolveStartOptions(parsed);
  const corral = new Corral(options);
  return runInForeground(corral);
}

async function resolveStartOptions(parsed: ReturnType<typeof parseStartArgs>): Promise<ResolvedOptions> {
  const cwd = process.cwd();
  const flags: OptionLayer = parsed.flags;
  const file = await loadConfigFile(parsed.configPath, cwd);
  const app = file ? pickApp(file.path, file.apps, flags, cwd) : null;
  return resolveOptions(mergeSources(flags, app, optionsFromEnv(process.env)), { cwd });
}

/**
 * One supervisor runs one app (node:cluster has one primary per process).
 * With a list in the config file, the app is picked by --name or by entry.
 */
function pickApp(file: string, apps: readonly OptionLayer[], flags: OptionLayer, cwd: string): OptionLayer | null {
  if (apps.length <= 1) return apps[0] ?? null;
  const { name, entry } = flags.options;
  // Entries in a config file are absolute by now (resolved against the file's folder).
  const entryPath = typeof entry === "string" ? resolve(cwd, entry) : undefined;
  const match = apps.find((app) => (name !== undefined && app.options.name === name) || (entryPath !== undefined && app.options.entry === entryPath));
  if (match) return match;
  const names = apps.map((app, i) => String(app.options.name ?? app.options.entry ?? `#${i + 1}`)).join(", ");
  throw badConfig(file, `holds ${apps.length} apps (${names}); start one per supervisor: corral start --config ${basename(file)} --name <name>`);
}

async function runInForeground(corral: Corral): Promise<number> {
  const control = await openControlServer(corral);
  let admin: { close(): Promise<void> } | null = null;
  let exitCode = 0;
  let signals = 0;

  const shutdown = async (reason: string): Promise<void> => {
    await corral.stop(reason);
    await Promise.allSettled([control.close(), admin?.close()]);
  };
  const onStopSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1 && signal === "SIGINT") {
      process.stderr.write("[corral] second SIGINT: killing every worker now\n");
      corral.forceStop();
      process.exit(130);
    }
    void shutdown(signal);
  };
  process.on("SIGTERM", onStopSignal);
  process.on("SIGINT", onStopSignal);
  process.on("SIGHUP", () => {
    corral.log("info", "SIGHUP: rolling reload");
    corral.reload().catch((error: Error) => {
      // A failed reload was already reported with the app's error; a refused one was not.
      if (error instanceof CorralError && (error.code === "CORRAL_ERR_BUSY" || error.code === "CORRAL_ERR_STOPPED")) {
        corral.log("warn", `SIGHUP ignored: ${error.message}`);
      }
    });
  });
  corral.on("fatal", () => {
    exitCode = 1;
  });

  try {
    // The admin server comes up first, so /healthz answers and /readyz says 503 while workers start.
    if (corral.options.admin) {
      const { startAdminServer } = await import("../admin/server.js");
      admin = await startAdminServer(corral, corral.options.admin, corral.options.adminToken);
      process.stdout.write(`[corral] admin server on ${corral.adminUrl} (dashboard, /metrics, /status, /healthz, /readyz)\n`);
    }
    await corral.start();
    if (corral.options.watch) {
      const { watchForChanges } = await import("../primary/watch.js");
      const watcher = watchForChanges(corral);
      corral.on("shutdown", () => watcher.close());
    }
  } catch (error) {
    await shutdown("start failed");
    // A crash loop was already reported with the app's own stderr; don't say it twice.
    if (error instanceof CorralError && (error.code === "CORRAL_ERR_ALL_ERRORED" || error.code === "CORRAL_ERR_STOPPED")) return 1;
    throw error;
  }
  await new Promise<void>((resolve) => corral.once("stopped", () => resolve()));
  await Promise.allSettled([control.close(), admin?.close()]);
  return exitCode;
}
