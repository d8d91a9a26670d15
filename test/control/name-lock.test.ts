// The per-name lock (src/control/name-lock.ts): one supervisor per name, a dead
// holder's lock taken over, a reused pid not mistaken for the holder.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { acquireNameLock, lockHolder } from "../../src/control/name-lock.js";
import { tempDir } from "../helpers/corral.js";

/** A pid that certainly ran and is gone. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

describe("acquireNameLock", () => {
  it("is held once: a second taker is told who holds it; release frees it", () => {
    const home = tempDir();
    const first = acquireNameLock(home, "api");
    assert.ok("release" in first);
    assert.deepEqual(acquireNameLock(home, "api"), { heldBy: process.pid });
    assert.equal(lockHolder(home, "api"), process.pid);
    assert.ok("release" in acquireNameLock(home, "other"), "names are independent");
    first.release();
    assert.equal(existsSync(join(home, "api.lock")), false);
    assert.equal(lockHolder(home, "api"), null);
    const again = acquireNameLock(home, "api");
    assert.ok("release" in again);
    again.release();
  });
  it("takes over the lock of a process that is gone", () => {
    const home = tempDir();
    writeFileSync(join(home, "api.lock"), `${deadPid()} 12345\n`);
    assert.equal(lockHolder(home, "api"), null);
    const lock = acquireNameLock(home, "api");
    assert.ok("release" in lock);
    assert.match(readFileSync(join(home, "api.lock"), "utf8"), new RegExp(`^${process.pid} `));
    lock.release();
  });
  it("a live pid with another start time is a reused pid: the lock is stale", () => {
    const home = tempDir();
    writeFileSync(join(home, "api.lock"), `${process.pid} 1\n`);
    const lock = acquireNameLock(home, "api");
    assert.ok("release" in lock, "taken over");
    lock.release();
  });
  it("an empty lock is being written: held for a moment, then stale", () => {
    const home = tempDir();
    const file = join(home, "api.lock");
    writeFileSync(file, "");
    assert.deepEqual(acquireNameLock(home, "api"), { heldBy: 0 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const lock = acquireNameLock(home, "api");
    assert.ok("release" in lock);
    lock.release();
  });
  it("release leaves a lock that is not ours alone", () => {
    const home = tempDir();
    const lock = acquireNameLock(home, "api");
    assert.ok("release" in lock);
    writeFileSync(join(home, "api.lock"), `${process.ppid} -\n`);
    lock.release();
    assert.ok(existsSync(join(home, "api.lock")));
  });
});
