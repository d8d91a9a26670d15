/**
 * `--env-file PATH` (repeatable; config key `envFile`, a path or a list): variables
 * for the workers, read at start and again by each `corral reload`. Bounded: a path
 * given by mistake (a log, a device) must not stall or swell the primary, which reads
 * it again on every reload while it serves.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { CorralError } from "../errors.js";
import { EnvFileSyntaxError, parseDotenv } from "./dotenv.js";

/** Far above any real env file; a file this big is some other file. */
export const MAX_ENV_FILE_BYTES = 1024 * 1024;

/**
 * The variables of `files`, a later file winning over an earlier one (as with node's
 * repeated --env-file). `option` is how the user gave them (--env-file, CORRAL_ENV_FILE,
 * "corral.config.json: envFile") and `shown(file)` how to print each path.
 */
export function readEnvFiles(files: readonly string[], option: string, shown: (file: string) => string = (file) => file): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const file of files) {
    const fail = (reason: string): CorralError => new CorralError("CORRAL_ERR_BAD_OPTION", `${option} ${shown(file)}: ${reason}`);
    let text: string;
    try {
      text = readBounded(file);
    } catch (error) {
      if (error instanceof CorralError) throw fail(error.message);
      const code = (error as NodeJS.ErrnoException).code;
      throw fail(code === "ENOENT" ? "not found" : code === "EACCES" ? "not readable (permission denied)" : (error as Error).message);
    }
    try {
      Object.assign(vars, parseDotenv(text));
    } catch (error) {
      if (error instanceof EnvFileSyntaxError) throw fail(error.message);
      throw error;
    }
  }
  return vars;
}

function readBounded(file: string): string {
  // Checked before opening too: opening a FIFO would block the primary until someone writes to it.
  if (!statSync(file).isFile()) throw new CorralError("CORRAL_ERR_BAD_OPTION", "not a regular file");
  const fd = openSync(file, "r");
  try {
    if (!fstatSync(fd).isFile()) throw new CorralError("CORRAL_ERR_BAD_OPTION", "not a regular file");
    const buffer = Buffer.alloc(MAX_ENV_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_ENV_FILE_BYTES) throw new CorralError("CORRAL_ERR_BAD_OPTION", `larger than ${MAX_ENV_FILE_BYTES / 1024 / 1024} MB: not an env file`);
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}
