// Worker recycling: --max-requests (gunicorn's semantics, with --max-requests-jitter), --max-age and
// --restart-cron replace workers through the graceful one-worker replacement a reload uses: the new
// worker is ready before the old one drains, so no request fails.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, readyPids } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";

test("--max-requests 200 under load replaces each worker after its share, with no failed requests", async (t) => {
  const name = "recycle-requests";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", name, "--max-requests", "200", "--max-requests-jitter", "20", "--heartbeat-interval", "200ms"]);
  const port = await corral.ready(2);
  const first = await readyPids(controlPath(corral.home, name));
  const replaced = (): string[] => [...corral.output.matchAll(/worker \d \(pid (\d+)\) served (\d+) requests \(--max-requests, its limit (\d+)\): replacing it/g)].map((m) => {
    // gunicorn's rule: replaced at 200 + 0..20, judged at a heartbeat, so at or past its own limit.
    assert.ok(Number(m[3]) >= 200 && Number(m[3]) <= 220, m[0]);
    assert.ok(Number(m[2]) >= Number(m[3]), m[0]);
    return m[1]!;
  });
  const load = await underLoad(port, async () => {
    // Both first workers replaced, and a replacement replaced in turn.
    await waitFor(() => first.every((pid) => replaced().includes(String(pid))) && replaced().length >= 3, `3 workers recycled\n${corral.output}`, 40_000);
  });
  assert.ok(load.ok >= 600, load.summary());
  t.diagnostic(`${load.summary()}; ${replaced().length} workers replaced`);
  assert.equal((await readyPids(controlPath(corral.home, name))).length, 2);
  await corral.stop();
});

test("--max-age replaces a worker once it is that old (plus up to 10 %)", async () => {
  const name = "recycle-age";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", name, "--max-age", "2s", "--heartbeat-interval", "200ms"]);
  const port = await corral.ready(1);
  await underLoad(port, async () => {
    const match = await corral.waitForOutput(/worker 1 \(pid \d+\) is (\d+) s old \(--max-age, its limit (\d) s\): replacing it/, 15_000);
    assert.equal(match[2], "2");
    await waitFor(() => (corral.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 2, "the replacement ready");
  });
  await corral.stop();
});

test("--restart-cron with a seconds field fires a rolling reload; a bad expression exits 2 naming the option", async () => {
  const name = "recycle-cron";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", name, "--restart-cron", "*/2 * * * * *"]);
  const port = await corral.ready(2);
  const first = await readyPids(controlPath(corral.home, name));
  await underLoad(port, async () => {
    await corral.waitForOutput(/--restart-cron "\*\/2 \* \* \* \* \*": rolling reload[\s\S]*reload done in \d+ ms/, 15_000);
  });
  const now = await readyPids(controlPath(corral.home, name));
  assert.equal(now.length, 2);
  assert.ok(now.every((pid) => !first.includes(pid)), `new workers: ${first} → ${now}`);
  await corral.stop();

  const bad = await runCli(["start", fixture("hello.cjs"), "--restart-cron", "0 3 * *"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--restart-cron.*"0 3 \* \*".*cron expression/);
});
