/**
 * Privilege drop: `--user U --group G` run the workers as that user while the
 * primary keeps root, so it can bind port 80 (the primary owns the listening
 * sockets and hands connections to workers over IPC, whatever their uid).
 *
 * Looked up once, when the options are resolved (resolve.ts), so an unknown
 * user exits 2 with the other bad options and the primary gets numbers.
 * Names resolve through /etc/passwd and /etc/group, then `getent` (users and
 * groups from LDAP, NIS or systemd-homed). A numeric id is taken as it is.
 * `--user` alone also takes the user's login group: a worker that kept the
 * primary's gid 0 would still act as group root. libuv drops the supplementary
 * groups (setgroups(0)) whenever a uid or gid is set, so the worker ends up
 * with exactly uid U, gid G and no other group.
 *
 * The user needs read access to the app and to corral's own dist/ (the worker
 * preloads corral's runtime from there), and search access to every directory
 * above them; the workers' cwd must be enterable by it too.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { badOption, CorralError } from "../errors.js";

export interface WorkerIdentity {
  uid?: number;
  gid?: number;
}

/** One parsed line of /etc/passwd or /etc/group: name, id and (passwd only) the login group. */
interface Entry {
  name: string;
  id: number;
  gid: number;
}

export interface IdentitySources {
  passwd(): string;
  group(): string;
  getent(database: "passwd" | "group", key: string): string | null;
  /** The primary's uid and gid; undefined where the platform has none (Windows). */
  uid(): number | undefined;
  gid(): number | undefined;
}

const systemSources: IdentitySources = {
  passwd: () => readOrEmpty("/etc/passwd"),
  group: () => readOrEmpty("/etc/group"),
  getent: (database, key) => {
    try {
      return execFileSync("getent", [database, key], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return null; // not found (exit 2), or no getent on this system
    }
  },
  uid: () => process.getuid?.(),
  gid: () => process.getgid?.(),
};

const ID_PATTERN = /^\d{1,10}$/;
const MAX_ID = 2 ** 31 - 1; // node validates uid/gid as int32

/** uid/gid for cluster.setupPrimary; an empty object when neither option is set. */
export function resolveWorkerIdentity(
  user: string | null,
  group: string | null,
  sources: IdentitySources = systemSources,
  /** How errors name the two options: where the values came from ("--user", "CORRAL_USER", a config key). */
  names: { user: string; group: string } = { user: "--user", group: "--group" },
): WorkerIdentity {
  if (user === null && group === null) return {};
  const primaryUid = sources.uid();
  if (primaryUid === undefined) {
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `${user !== null ? names.user : names.group}: not supported on ${process.platform}`);
  }
  const identity: WorkerIdentity = {};
  if (user !== null) {
    const entry = lookup("passwd", user, sources);
    if (entry === null && !ID_PATTERN.test(user)) throw badOption(names.user, user, "an existing user name or a numeric uid");
    identity.uid = entry?.id ?? toId(names.user, user);
    if (group === null) {
      if (entry === null) throw badOption(names.user, user, "a user listed in the passwd database, or also give --group (no login group is known for this uid)");
      identity.gid = entry.gid;
    }
  }
  if (group !== null) {
    const entry = lookup("group", group, sources);
    if (entry === null && !ID_PATTERN.test(group)) throw badOption(names.group, group, "an existing group name or a numeric gid");
    identity.gid = entry?.id ?? toId(names.group, group);
  }
  if (primaryUid !== 0) {
    // Already that user and group: nothing to switch (and libuv's setgroups() would need root).
    const sameUser = identity.uid === undefined || identity.uid === primaryUid;
    const sameGroup = identity.gid === undefined || identity.gid === sources.gid();
    if (sameUser && sameGroup) return {};
    throw new CorralError(
      "CORRAL_ERR_BAD_OPTION",
      `${user !== null ? names.user : names.group}: running the workers as another user or group needs corral to run as root (it runs as uid ${primaryUid})`,
    );
  }
  return identity;
}

/** A name or numeric id in the database; a numeric string is first looked up as a name (as `id` does). */
function lookup(database: "passwd" | "group", key: string, sources: IdentitySources): Entry | null {
  const text = database === "passwd" ? sources.passwd() : sources.group();
  const local = findEntry(text, database, key);
  if (local !== null) return local;
  const remote = sources.getent(database, key);
  return remote === null ? null : findEntry(remote, database, key);
}

/** name:password:id[:gid:…] lines; by name first, then by id. */
export function findEntry(text: string, database: "passwd" | "group", key: string): Entry | null {
  const entries: Entry[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(":");
    const id = Number(fields[2]);
    const gid = database === "passwd" ? Number(fields[3]) : id;
    if (fields[0] === undefined || fields[0] === "" || !Number.isSafeInteger(id) || !Number.isSafeInteger(gid)) continue;
    entries.push({ name: fields[0], id, gid });
  }
  const byName = entries.find((entry) => entry.name === key);
  if (byName) return byName;
  return ID_PATTERN.test(key) ? (entries.find((entry) => entry.id === Number(key)) ?? null) : null;
}

function toId(option: string, value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw badOption(option, value, `a uid/gid from 0 to ${MAX_ID}`);
  return id;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
