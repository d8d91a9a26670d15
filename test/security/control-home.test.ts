// Control sockets the CLI can always find, and a name only one supervisor holds.
// A supervisor started by systemd has no XDG_RUNTIME_DIR, so its socket is in
// ~/.corral; a login shell has one. status/stop from that shell must find it, and
// a second supervisor of that name must exit 2, not start beside it.
import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fixture, runCli, startCorral, tempDir } from "../helpers/corral.js";

/** The environment of a unit (HOME, no XDG_RUNTIME_DIR, no CORRAL_HOME) and of a login shell of the same user. */
function environments(): { unit: Record<string, string>; shell: Record<string, string> } {
  const home = tempDir("corral-user-home-");
  const runtime = tempDir("corral-xdg-");
  return { unit: { HOME: home, XDG_RUNTIME_DIR: "", CORRAL_HOME: "" }, shell: { HOME: home, XDG_RUNTIME_DIR: runtime, CORRAL_HOME: "" } };
}

test("a supervisor started without XDG_RUNTIME_DIR is found from a shell with one; the same name cannot start twice", async () => {
  const { unit, shell } = environments();
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", "homes"], { env: unit });
  try {
    await corral.ready(1);
    const status = await runCli(["status", "homes", "--json"], { env: shell });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).pid, corral.pid);
    const list = await runCli(["status", "--json"], { env: shell });
    assert.ok((JSON.parse(list.stdout) as Array<{ name: string }>).some((s) => s.name === "homes"), list.stdout);

    const second = await runCli(["start", fixture("hello.cjs"), "--workers", "1", "--name", "homes"], { env: shell });
    assert.equal(second.code, 2, `a second "homes" must not start\n${second.stdout}${second.stderr}`);
    assert.match(second.stderr, new RegExp(`a corral named "homes" is already running \\(pid ${corral.pid}`));
    assert.doesNotMatch(second.stdout, /ready in/);

    const stop = await runCli(["stop", "homes"], { env: shell });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await corral.exit()).code, 0);
  } finally {
    corral.kill();
  }
});

test("two supervisors of one name starting at the same moment over a stale socket: exactly one runs", async () => {
  const home = tempDir("corral-race-");
  for (let round = 0; round < 3; round++) {
    writeFileSync(join(home, "race.sock"), ""); // left by a supervisor that was SIGKILLed
    const both = [0, 1].map(() => startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", "race"], { env: { CORRAL_HOME: home } }));
    try {
      const exitedWith2 = both.map(async (c) => ((await c.exited).code === 2 ? c : await new Promise<never>(() => {})));
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`neither exited 2 within 20 s\n${both.map((c) => c.output).join("\n")}`)), 20_000).unref());
      const loser = await Promise.race([...exitedWith2, timeout]);
      assert.match(loser.stderr, /already running/);
      const winner = both.find((c) => c !== loser)!;
      await winner.ready(1);
      const status = await runCli(["status", "race", "--json"], { env: { CORRAL_HOME: home } });
      assert.equal(JSON.parse(status.stdout).pid, winner.pid, "the one running is the one the socket leads to");
      await winner.stop(0);
    } finally {
      for (const c of both) c.kill();
    }
  }
});

test("a control folder owned by another user is refused", async (t: TestContext) => {
  if (process.getuid?.() !== 0) return t.skip("needs root (chown)");
  const home = join(tempDir("corral-foreign-"), "corral");
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, 65534, 65534);
  const start = await runCli(["start", fixture("hello.cjs"), "--workers", "1", "--name", "foreign"], { env: { CORRAL_HOME: home } });
  assert.equal(start.code, 2, start.stderr);
  assert.match(start.stderr, /control folder .* belongs to uid 65534, not to this user \(uid 0\)/);
  const status = await runCli(["status"], { env: { CORRAL_HOME: home } });
  assert.equal(status.code, 1);
  assert.match(status.stderr, /CORRAL_HOME: .* belongs to uid 65534/);
});
