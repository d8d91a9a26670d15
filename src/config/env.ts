/**
 * CORRAL_* environment variables: the lowest-precedence source, handy in
 * containers and systemd units. Values stay strings here; resolve.ts validates
 * them and its errors name the variable (`CORRAL_WORKERS: "abc" is not valid; …`).
 */
import { closestName } from "../errors.js";
import { ENV_KEYS, envName, type OptionLayer, type OptionSources, type RawOptions } from "./keys.js";

/**
 * Every scalar option has a variable: SCREAMING_SNAKE of its name
 * (killTimeout → CORRAL_KILL_TIMEOUT). An empty variable counts as unset, so
 * `CORRAL_ADMIN=` in a unit file switches a setting off instead of failing.
 * Other CORRAL_* names are ignored: CORRAL_HOME and CORRAL_CONFIG are read
 * elsewhere, and the worker runtime may use its own.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): OptionLayer {
  const options: RawOptions = {};
  const sources: OptionSources = {};
  for (const key of ENV_KEYS) {
    const name = envName(key);
    const value = env[name];
    if (value === undefined || value.trim() === "") continue;
    options[key] = value;
    sources[key] = name;
  }
  return { options, sources };
}

/**
 * A CORRAL_* variable that is no option but looks like a misspelled one
 * (CORRAL_WROKERS): one warning each, naming the variable meant. Others are
 * left alone: CORRAL_HOME, CORRAL_WORKER_* and tools' own variables are not typos.
 */
export function misspelledEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = ENV_KEYS.map(envName);
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith("CORRAL_") || known.includes(name)) continue;
    const suffix = name.slice("CORRAL_".length);
    const guess = closestName(suffix, known.map((variable) => variable.slice("CORRAL_".length)));
    // Short names are a distance of 2 from too much (CORRAL_NODE from CORRAL_NAME): only count typos in longer ones.
    if (guess === undefined || suffix.length < 5) continue;
    warnings.push(`${name} is not a corral setting and is ignored; did you mean CORRAL_${guess}?`);
  }
  return warnings;
}
