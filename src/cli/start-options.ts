/**
 * How `corral start` arrives at its options — shared with `corral systemd`,
 * which must resolve exactly what the unit's `corral start` will: flags win
 * over the config file's app, the file over CORRAL_* env (merged inside
 * resolveOptions, from `env`).
 */
import { basename, resolve } from "node:path";
import { loadConfigFile } from "../config/file.js";
import type { OptionLayer } from "../config/keys.js";
import { mergeSources } from "../config/merge.js";
import { resolveOptions } from "../config/resolve.js";
import type { ResolvedOptions } from "../config/types.js";
import { badConfig } from "../errors.js";
import type { StartArgs } from "./args.js";

const NO_LAYER: OptionLayer = { options: {}, sources: {} };

export async function resolveStartOptions(
  parsed: Pick<StartArgs, "flags" | "configPath">,
  context: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ResolvedOptions> {
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
