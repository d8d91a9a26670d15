/**
 * Where control sockets live: $CORRAL_HOME/<name>.sock, CORRAL_HOME defaulting
 * to $XDG_RUNTIME_DIR/corral, else ~/.corral. The directory is 0700 so only its
 * owner can reach a supervisor (connect() on a unix socket needs search
 * permission on the directory).
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export function corralHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORRAL_HOME) return env.CORRAL_HOME;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "corral");
  return join(homedir(), ".corral");
}

export function socketPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(corralHome(env), `${name}.sock`);
}

/** Creates the home directory if needed and makes sure only its owner can enter it. */
export function ensurePrivateHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = corralHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if ((statSync(home).mode & 0o077) !== 0) chmodSync(home, 0o700);
  return home;
}
