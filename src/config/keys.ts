/**
 * The option names, and how each is spelled in the places a value can come from
 * (flag, environment variable, config file), so every error names the option the
 * way the user wrote it.
 */
import type { CorralOptions, OptionSources } from "./types.js";

// Defined beside ResolvedOptions, which carries it (types.ts does not import this file).
export type { OptionSources };

export type OptionKey = keyof CorralOptions;

/**
 * Options as they arrive from the edge, before validation: a flag or an env var
 * is always a string, a config file may hold anything.
 */
export type RawOptions = { [K in OptionKey]?: unknown };

/** Options from one place (flags, a config file's app, the environment) and what to call each in errors. */
export interface OptionLayer {
  readonly options: RawOptions;
  readonly sources: OptionSources;
}

/** Every option key, in the order help and error messages list them. */
export const OPTION_KEYS: readonly OptionKey[] = Object.freeze([
  "entry",
  "workers",
  "balance",
  "name",
  "admin",
  "adminToken",
  "waitReady",
  "listenTimeout",
  "killTimeout",
  "hangTimeout",
  "maxMemory",
  "maxRestarts",
  "unhealthyAfter",
  "minUptime",
  "reloadParallel",
  "user",
  "group",
  "allowPorts",
  "watch",
  "nodeArgs",
  "args",
  "env",
  "envFile",
  "cwd",
  "logFormat",
  "logFile",
  "errorFile",
  "timestamps",
  "logBuffer",
  "maxQueue",
  "queueTimeout",
  "shutdownDelay",
  "heartbeatInterval",
  "maxRequests",
  "maxRequestsJitter",
  "maxAge",
  "restartCron",
  "instanceVar",
  "noListen",
] satisfies OptionKey[]);

/** Options that are lists or maps: there is no sensible single-string env var or flag for them. */
const STRUCTURED_KEYS: ReadonlySet<OptionKey> = new Set(["nodeArgs", "args", "env"]);

/** Options that have no `--flag` of their own (the positional entry, the list-valued ones). */
const KEYS_WITHOUT_FLAG: ReadonlySet<OptionKey> = new Set(["entry", "cwd", "nodeArgs", "args", "env"]);

/** Options that can be set with a CORRAL_* environment variable. */
export const ENV_KEYS: readonly OptionKey[] = Object.freeze(OPTION_KEYS.filter((key) => !STRUCTURED_KEYS.has(key)));

export function isOptionKey(key: string): key is OptionKey {
  return (OPTION_KEYS as readonly string[]).includes(key);
}

/** "killTimeout" → "--kill-timeout"; options without a flag keep their key ("entry", "nodeArgs"). */
function flagName(key: OptionKey): string {
  if (KEYS_WITHOUT_FLAG.has(key)) return key;
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** "killTimeout" → "CORRAL_KILL_TIMEOUT". */
export function envName(key: OptionKey): string {
  return `CORRAL_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** The name errors use for `key` when no source was recorded (programmatic options). */
export function sourceName(sources: OptionSources | undefined, key: OptionKey): string {
  return sources?.[key] ?? flagName(key);
}
