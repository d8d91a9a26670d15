/**
 * Where control sockets live: $CORRAL_HOME/<name>.sock, CORRAL_HOME defaulting
 * to $XDG_RUNTIME_DIR/corral, else ~/.corral. The directory is 0700 so only its
 * owner can reach a supervisor (connect() on a unix socket needs search
 * permission on the directory), and it must be the user's own: whoever owns it
 * could put another socket in its place.
 *
 * The default depends on the environment: a supervisor started by systemd or
 * cron (no XDG_RUNTIME_DIR) sits in ~/.corral, one started from a login shell
 * in /run/user/UID/corral. So the CLI, and a supervisor checking that its name
 * is free, look in every folder the rules may have picked (candidateHomes).
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CorralError } from "../errors.js";

export function corralHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORRAL_HOME) return env.CORRAL_HOME;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "corral");
  return join(homedir(), ".corral");
}

export function socketPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(corralHome(env), `${name}.sock`);
}

/**
 * Every folder a supervisor of this user may be in, this process's own first. An explicit
 * CORRAL_HOME is the only one (the user chose it); else $XDG_RUNTIME_DIR/corral, systemd's
 * /run/user/UID/corral (XDG_RUNTIME_DIR of a login shell, when this one has none) and ~/.corral.
 */
export function candidateHomes(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CORRAL_HOME) return [env.CORRAL_HOME];
  const homes = [corralHome(env)];
  const uid = process.getuid?.();
  if (uid !== undefined) homes.push(join("/run/user", String(uid), "corral"));
  homes.push(join(homedir(), ".corral"));
  return [...new Set(homes)];
}

/** Why `home` is not a folder this user can trust (null if it is, or does not exist). */
export function untrustedHome(home: string): string | null {
  let stats;
  try {
    stats = statSync(home);
  } catch {
    return null;
  }
  if (!stats.isDirectory()) return `${home} is not a directory`;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    return `${home} belongs to uid ${stats.uid}, not to this user (uid ${uid}): its owner could replace the control socket`;
  }
  return null;
}

/** Creates the home directory if needed and makes sure it is ours and only we can enter it. */
export function ensurePrivateHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = corralHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const problem = untrustedHome(home);
  if (problem) throw new CorralError("CORRAL_ERR_BAD_CONFIG", `control folder ${problem}; set CORRAL_HOME to a folder of your own`);
  if ((statSync(home).mode & 0o077) !== 0) chmodSync(home, 0o700);
  return home;
}
