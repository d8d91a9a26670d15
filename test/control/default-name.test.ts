/**
 * The commands a newcomer types first: NAME may be left out of reload, scale
 * and stop when exactly one supervisor runs (as with top); several running are
 * listed; `scale` takes what --workers takes (N, max, -1); two projects whose
 * entry is server.js meet on the default name and are told how to part.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { usableCpus } from "../../src/config/cpus.js";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, runCli, startCorral, tempDir } from "../helpers/corral.js";

/** A project folder with its own server.js, as `npm init` and an Express tutorial leave it. */
function project(parent: string, folder: string): string {
  const dir = join(parent, folder);
  mkdirSync(dir);
  copyFileSync(fixture("hello.cjs"), join(dir, "server.js"));
  return dir;
}

test("reload, scale and stop without NAME act on the only supervisor; scale takes max and -1", async () => {
  const home = join(tempDir("corral-names-"), "home");
  const env = { CORRAL_HOME: home };
  const corral = startCorral(["start", fixture("hello.cjs"), "--name", "solo", "--workers", "1"], { env });
  const port = await corral.ready(1, 30_000);

  const cpus = usableCpus();
  const max = await runCli(["scale", "max"], { env, timeoutMs: 60_000 });
  assert.equal(max.code, 0, max.stderr);
  assert.equal(max.stdout, `solo now runs ${cpus} worker${cpus === 1 ? "" : "s"}\n`);
  assert.equal((await controlStatus(controlPath(home, "solo"))).workersDesired, cpus);

  const oneLess = await runCli(["scale", "solo", "-1"], { env, timeoutMs: 60_000 });
  assert.equal(oneLess.code, 0, oneLess.stderr);
  assert.equal((await controlStatus(controlPath(home, "solo"))).workersDesired, Math.max(1, cpus - 1));

  const reload = await runCli(["reload"], { env, timeoutMs: 60_000 });
  assert.equal(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, /^reloaded solo in \d+ ms\n$/);
  assert.equal((await request(port, "/")).status, 200);

  // A second supervisor: leaving NAME out is now ambiguous, and the error lists both.
  const other = startCorral(["start", fixture("hello.cjs"), "--name", "duo", "--workers", "1"], { env });
  await other.ready(1, 30_000);
  for (const args of [["reload"], ["stop"], ["scale", "2"]]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /^corral: several corrals are running \(duo, solo\); say which: corral \w+ NAME/);
  }
  await other.stop();

  const stop = await runCli(["stop"], { env, timeoutMs: 60_000 });
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(stop.stdout, "stopped solo\n");
  assert.equal((await corral.exit()).code, 0);

  const none = await runCli(["reload"], { env });
  assert.equal(none.code, 1);
  assert.equal(none.stderr, "corral: no corral is running\n");
});

test("two projects whose entry is server.js: the second is told to pass --name and whose the name is", async () => {
  const parent = tempDir("corral-projects-");
  const env = { CORRAL_HOME: join(parent, "home") };
  const shop = project(parent, "shop");
  const blog = project(parent, "blog");
  const first = startCorral(["start", "server.js", "--workers", "1"], { env, cwd: shop });
  const port = await first.ready(1, 30_000);

  const second = startCorral(["start", "server.js", "--workers", "1"], { env, cwd: blog });
  const { code } = await second.exit(30_000);
  assert.equal(code, 2, second.output);
  assert.match(second.stderr, new RegExp(`a corral named "server" is already running \\(pid ${first.pid}, in ${shop.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")};`));
  assert.match(second.stderr, /to run another one beside it, pass --name \(e\.g\. --name blog\)/);
  assert.equal((await request(port, "/")).status, 200, "the first one still serves");

  const beside = startCorral(["start", "server.js", "--workers", "1", "--name", "blog"], { env, cwd: blog });
  await beside.ready(1, 30_000);
  await beside.stop();
  await first.stop();
});
