// Privilege drop: started as root, `--user`/`--group` run the workers as that
// user and group (no supplementary groups) while the primary keeps root and
// its listening sockets. Unknown names exit 2 naming the option.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it, test } from "node:test";
import { CorralError } from "../../src/errors.js";
import { findEntry, resolveWorkerIdentity, type IdentitySources } from "../../src/config/identity.js";
import { fixture, getJson, runCli, startCorral } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";

// ---- resolution (pure, with a fake passwd/group database) --------------------

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nwww:x:33:33:www:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nwww:x:33:\nnogroup:x:65534:\n";

function sources(overrides: Partial<IdentitySources> = {}): IdentitySources {
  return {
    passwd: () => PASSWD,
    group: () => GROUP,
    getent: () => null,
    uid: () => 0,
    gid: () => 0,
    ...overrides,
  };
}

function assertBadOption(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CorralError);
    assert.equal(error.code, "CORRAL_ERR_BAD_OPTION");
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("resolveWorkerIdentity", () => {
  it("keeps the primary's identity when neither option is set", () => {
    assert.deepEqual(resolveWorkerIdentity(null, null, sources()), {});
  });
  it("resolves names, and --user alone takes the user's login group", () => {
    assert.deepEqual(resolveWorkerIdentity("nobody", "nogroup", sources()), { uid: 65534, gid: 65534 });
    assert.deepEqual(resolveWorkerIdentity("www", null, sources()), { uid: 33, gid: 33 });
    assert.deepEqual(resolveWorkerIdentity(null, "www", sources()), { gid: 33 });
  });
  it("accepts numeric ids, known or not (with --group for an unknown uid)", () => {
    assert.deepEqual(resolveWorkerIdentity("33", null, sources()), { uid: 33, gid: 33 });
    assert.deepEqual(resolveWorkerIdentity("4242", "4343", sources()), { uid: 4242, gid: 4343 });
    assertBadOption(() => resolveWorkerIdentity("4242", null, sources()), /^--user: "4242" is not valid; .*--group/);
    assertBadOption(() => resolveWorkerIdentity("99999999999", "1", sources()), /^--user: /);
  });
  it("falls back to getent for users and groups outside the files (LDAP, NIS)", () => {
    const getent = (database: string, key: string) =>
      database === "passwd" && key === "ldapuser" ? "ldapuser:*:5001:5002:LDAP:/home/l:/bin/sh\n" : database === "group" && key === "ldapgroup" ? "ldapgroup:*:5003:\n" : null;
    assert.deepEqual(resolveWorkerIdentity("ldapuser", "ldapgroup", sources({ getent })), { uid: 5001, gid: 5003 });
  });
  it("names the option for an unknown user or group", () => {
    assertBadOption(() => resolveWorkerIdentity("nosuchuser", null, sources()), /^--user: "nosuchuser" is not valid; expected an existing user name or a numeric uid$/);
    assertBadOption(() => resolveWorkerIdentity("nobody", "nosuchgroup", sources()), /^--group: "nosuchgroup" is not valid; expected an existing group name or a numeric gid$/);
    assertBadOption(() => resolveWorkerIdentity("", null, sources()), /^--user: /);
  });
  it("refuses to switch user without root, but accepts naming the current user", () => {
    assertBadOption(() => resolveWorkerIdentity("nobody", null, sources({ uid: () => 1000, gid: () => 1000 })), /needs corral to run as root \(it runs as uid 1000\)/);
    assert.deepEqual(resolveWorkerIdentity("www", null, sources({ uid: () => 33, gid: () => 33 })), {});
  });
  it("parses passwd/group lines, skipping comments and broken ones", () => {
    const text = "# comment\n\nbroken\nx::notanumber:1\nalice:x:1000:1001::/home/alice:/bin/sh\n";
    assert.deepEqual(findEntry(text, "passwd", "alice"), { name: "alice", id: 1000, gid: 1001 });
    assert.deepEqual(findEntry(text, "passwd", "1000"), { name: "alice", id: 1000, gid: 1001 });
    assert.equal(findEntry(text, "passwd", "x"), null);
    assert.equal(findEntry(text, "group", "bob"), null);
  });
});

// ---- the real thing: workers running as nobody ------------------------------

const isRoot = process.getuid?.() === 0;
function hasAccount(database: string, name: string): boolean {
  try {
    execFileSync("getent", [database, name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const canDrop = isRoot && hasAccount("passwd", "nobody") && hasAccount("group", "nogroup");
const skip = canDrop ? false : "needs root and the nobody user / nogroup group";

/** uid and gid lines of /proc/<pid>/status: [real, effective, saved, fs]. */
function identityOf(pid: number): { uid: number[]; gid: number[]; groups: string } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const line = (key: string) => status.match(new RegExp(`^${key}:[ \\t]*(.*)$`, "m"))?.[1]?.trim() ?? "";
  return { uid: line("Uid").split(/\s+/).map(Number), gid: line("Gid").split(/\s+/).map(Number), groups: line("Groups") };
}

test("workers run as --user nobody --group nogroup and serve on the primary's socket", { skip }, async () => {
  // A readable copy of corral and the app: this clone may sit in a private directory (like /root).
  const install = readableInstall();
  const app = install.add(fixture("hello.cjs"));
  const corral = startCorral(["start", app, "--workers", "2", "--name", "privileges", "--user", "nobody", "--group", "nogroup"], install.run);
  const port = await corral.ready(2);
  const pids = new Set<number>();
  for (let i = 0; i < 6 && pids.size < 2; i++) pids.add((await getJson(port)).pid);
  assert.equal(pids.size, 2, "both workers answer");
  for (const pid of pids) {
    const who = identityOf(pid);
    assert.deepEqual(who.uid, [65534, 65534, 65534, 65534], `worker ${pid} runs as nobody`);
    assert.deepEqual(who.gid, [65534, 65534, 65534, 65534], `worker ${pid} runs as nogroup`);
    assert.equal(who.groups, "", "no supplementary groups (root's are dropped)");
  }
  // The primary keeps root: it owns the listening socket the workers serve on.
  assert.equal(identityOf(corral.pid).uid[0], 0);
  await corral.stop();
});

test("--user alone runs the workers in the user's login group", { skip }, async () => {
  const install = readableInstall();
  const app = install.add(fixture("hello.cjs"));
  const corral = startCorral(["start", app, "--workers", "1", "--name", "privileges-user", "--user", "nobody"], install.run);
  const port = await corral.ready(1);
  const { pid } = await getJson(port);
  const who = identityOf(pid);
  assert.equal(who.uid[1], 65534);
  assert.equal(who.gid[1], Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }).trim()));
  await corral.stop();
});

test("an unknown --user or --group exits 2 naming the option, before starting anything", async () => {
  const user = await runCli(["start", fixture("hello.cjs"), "--name", "priv-bad-user", "--user", "no-such-user-corral"]);
  assert.equal(user.code, 2);
  assert.match(user.stderr, /--user: "no-such-user-corral" is not valid/);
  assert.doesNotMatch(user.stdout, /starting/);
  const group = await runCli(["start", fixture("hello.cjs"), "--name", "priv-bad-group", "--group", "no-such-group-corral"]);
  assert.equal(group.code, 2);
  assert.match(group.stderr, /--group: "no-such-group-corral" is not valid/);
});

