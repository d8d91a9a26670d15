/**
 * How `corral start` arrives at its options — shared with `corral systemd`,
 * which must resolve exactly what the unit's `corral start` will: flags win
 * over the config file's app, the file over CORRAL_* env (merged inside
 * resolveOptions, from `env`).
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ecosystemApps, isEcosystemFile, type EcosystemApp } from "../config/ecosystem.js";
import { displayName, loadConfigFile, loadExport } from "../config/file.js";
import type { OptionLayer } from "../config/keys.js";
import { mergeSources } from "../config/merge.js";
import { resolveOptions, type ResolveContext } from "../config/resolve.js";
import type { ResolvedOptions } from "../config/types.js";
import { badConfig } from "../errors.js";
import type { StartArgs } from "./args.js";

const NO_LAYER: OptionLayer = { options: {}, sources: {} };

/** The start's directory and environment; on a reload, also the options in force. */
type StartContext = Required<Pick<ResolveContext, "cwd" | "env">> & Pick<ResolveContext, "current">;

export async function resolveStartOptions(
  parsed: Pick<StartArgs, "flags" | "configPath" | "environment">,
  context: StartContext,
  /** Hears what the user should know before start (an ecosystem file's keys corral does not act on). */
  warn: (message: string) => void = () => {},
): Promise<ResolvedOptions> {
  const { entry } = parsed.flags.options;
  if (typeof entry === "string" && isEcosystemFile(entry) && existsSync(resolve(context.cwd, entry))) {
    return resolveEcosystem(entry, parsed, context, warn);
  }
  if (parsed.environment !== undefined) throw badConfig("--env", "selects an app's env_NAME in a PM2 ecosystem file: give the file as the entry, like corral start ecosystem.config.js --env production");
  const file = await loadConfigFile(parsed.configPath, context.cwd);
  const app = file ? pickApp(file.path, file.apps, parsed.flags, context.cwd) : null;
  return resolveOptions(mergeSources(parsed.flags, app, NO_LAYER), context);
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

/** The apps of an ecosystem file given as the entry without --name (several start one corral each: apps.ts); [] otherwise. */
export async function ecosystemAppNames(parsed: Pick<StartArgs, "flags" | "environment">, cwd: string): Promise<string[]> {
  const { entry, name } = parsed.flags.options;
  if (typeof entry !== "string" || name !== undefined || !isEcosystemFile(entry) || !existsSync(resolve(cwd, entry))) return [];
  const file = resolve(cwd, entry);
  const shown = displayName(file, cwd);
  return ecosystemApps(await loadExport(file, shown, cwd), shown, dirname(file), parsed.environment).map((app) => app.name);
}

/**
 * `corral start ecosystem.config.js [--env NAME] [--name APP]`: PM2's file, translated (config/ecosystem.ts).
 * One app per supervisor: with several, --name picks one (start one corral per app).
 */
async function resolveEcosystem(
  entry: string,
  parsed: Pick<StartArgs, "flags" | "environment">,
  context: StartContext,
  warn: (message: string) => void,
): Promise<ResolvedOptions> {
  const file = resolve(context.cwd, entry);
  const shown = displayName(file, context.cwd);
  const apps = ecosystemApps(await loadExport(file, shown, context.cwd), shown, dirname(file), parsed.environment);
  const app = pickEcosystemApp(shown, apps, parsed.flags.options.name);
  if (app.unsupported.length > 0) {
    warn(`${shown}: app "${app.name}": corral does not act on ${app.unsupported.join(", ")} (see docs/migrating-from-pm2.md)`);
  }
  const { entry: _file, ...options } = parsed.flags.options;
  const { entry: _source, ...sources } = parsed.flags.sources;
  const layer = app.layer.options.name === undefined ? withName(app) : app.layer;
  return resolveOptions(mergeSources({ options, sources }, layer, NO_LAYER), context);
}

function pickEcosystemApp(shown: string, apps: readonly EcosystemApp[], name: unknown): EcosystemApp {
  if (name === undefined && apps.length === 1) return apps[0]!;
  const match = apps.find((app) => app.name === name);
  if (match) return match;
  const names = apps.map((app) => app.name).join(", ");
  const why = name === undefined ? `holds ${apps.length} apps (${names}); pick one with --name <app>` : `has no app named "${String(name)}" (it has ${names})`;
  throw badConfig(shown, why);
}

/** An app without a name is named by the file's translation (its script's base name). */
function withName(app: EcosystemApp): OptionLayer {
  return { options: { ...app.layer.options, name: app.name }, sources: { ...app.layer.sources, name: "name" } };
}
