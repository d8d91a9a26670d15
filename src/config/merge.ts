/**
 * Precedence: flags win over the config file, the file over CORRAL_* env.
 * A value is taken whole from the first source that has it (a `nodeArgs` list
 * on the command line replaces the file's, it does not append), and its source
 * name travels with it so a bad value is reported where the user wrote it.
 */
import { OPTION_KEYS, type OptionLayer, type OptionSources, type RawOptions } from "./keys.js";

export function mergeSources(flags: OptionLayer, file: OptionLayer | null, env: OptionLayer): OptionLayer {
  const options: RawOptions = {};
  const sources: OptionSources = {};
  const layers = file === null ? [flags, env] : [flags, file, env];
  for (const key of OPTION_KEYS) {
    const layer = layers.find((candidate) => candidate.options[key] !== undefined);
    if (layer === undefined) continue;
    options[key] = layer.options[key];
    const source = layer.sources[key];
    if (source !== undefined) sources[key] = source;
  }
  return { options, sources };
}
