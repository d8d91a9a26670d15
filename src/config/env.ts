/**
 * CORRAL_* environment variables: the lowest-precedence source, handy in
 * containers and systemd units. Values stay strings here; resolve.ts validates
 * them and its errors name the variable (`CORRAL_WORKERS: "abc" is not valid; …`).
 */
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
