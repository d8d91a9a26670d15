// corral reload applies an edited --balance between the strategies the primary runs: the acceptors
// switch their picker, with no failed request under load, and the distribution follows the new one.
// least-connections counts stay right for connections handed out before the switch (a worker forked
// under round-robin does not report closes, its heartbeats do). To or from `os` is refused: nothing changes.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, getJson, request, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { controlPath, controlStatus, readyPids } from "../helpers/control-socket.js";
import { countBy, hold, holdMany, waitForConnections } from "../helpers/held.js";
import { underLoad } from "../helpers/load.js";
import { requireTool } from "../helpers/tools.js";

const ADDRESSES = Array.from({ length: 12 }, (_, i) => `127.0.0.${20 + i}`);

function configFile(dir: string, entry: string, workers = 2): (balance: string) => void {
  const write = (balance: string): void => writeFileSync(join(dir, "corral.config.json"), JSON.stringify({ entry, workers, balance }));
  write("round-robin");
  return write;
}

test("reload switches round-robin → least-connections → ip-hash under load; ip-hash keeps each address on one worker", async () => {
  const dir = tempDir();
  const write = configFile(dir, fixture("hello.cjs"));
  const corral = startCorral(["start", "--name", "bal", "--admin", "127.0.0.1:0"], { cwd: dir, env: { PORT: "0" } });
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, "bal");
  const cli = (args: string[]) => runCli(args, { env: { CORRAL_HOME: corral.home } });

  await underLoad(port, async (load) => {
    await load.progress(30);
    write("least-connections");
    const toLeast = await cli(["reload", "bal"]);
    assert.equal(toLeast.code, 0, toLeast.stderr);
    assert.match(toLeast.stdout, /\(configuration changed: balance "round-robin" → "least-connections"\)/);
    assert.equal((await controlStatus(socket)).balance, "least-connections");
    await load.progress(30);
    write("ip-hash");
    const toHash = await cli(["reload", "bal"]);
    assert.equal(toHash.code, 0, toHash.stderr);
    assert.match(toHash.stdout, /\(configuration changed: balance "least-connections" → "ip-hash"\)/);
    await load.progress(30);
  });

  const status = await controlStatus(socket);
  assert.equal(status.balance, "ip-hash");
  const metrics = await request(Number(new URL(status.admin!).port), "/metrics");
  assert.match(metrics.body, /corral_info\{[^}]*balance="ip-hash"/);
  assert.match(metrics.body, /corral_handoffs_total\{[^}]*strategy="ip-hash"/);

  // Round-robin would alternate one address's requests between the two workers.
  const pids = new Set<number>();
  for (const localAddress of ADDRESSES) {
    const answers = new Set<number>();
    for (let i = 0; i < 3; i++) answers.add((await getJson<{ pid: number }>(port, "/", { localAddress, agent: false })).pid);
    assert.equal(answers.size, 1, `${localAddress} always reaches one worker: ${[...answers]}`);
    pids.add([...answers][0]!);
  }
  assert.equal(pids.size, 2, "the addresses spread over both workers");
  await corral.stop();
});

test("least-connections after a reload from round-robin counts the closes the old workers never reported", async () => {
  const dir = tempDir();
  const gate = join(dir, "gate");
  const write = configFile(dir, fixture("hello-gated.cjs"));
  const name = "bal-lc";
  const corral = startCorral(["start", "--name", name, "--heartbeat-interval", "200ms", "--listen-timeout", "60s"],
    { cwd: dir, env: { PORT: "0", GATE: gate, GATED_APP: "tcp-hold.cjs" } });
  const port = await corral.ready(2);

  // Under round-robin: 3 connections on one worker, 2 on the other; the first one's clients leave, which a
  // round-robin worker does not report (the primary last heard 3, at its last acknowledged hand-off).
  const first = await holdMany(port, 5);
  const spread = countBy(first, (h) => h.worker);
  const emptied = [...spread].find(([, n]) => n === 3)?.[0];
  assert.ok(emptied !== undefined && spread.size === 2, `round-robin spreads 3 and 2: ${[...spread]}`);
  // Its heartbeats must have seen the 3 before the 0 proves the closes: a heartbeat from before the
  // connections opened also says 0, and the primary would still count 3 (the test then failed under load).
  await waitForConnections(name, corral.home, emptied, 3);
  for (const h of first.filter((h) => h.worker === emptied)) h.socket.destroy();
  await waitForConnections(name, corral.home, emptied, 0);

  // The reload switches the picker, then waits at the gate for worker 1's replacement: the old workers serve.
  writeFileSync(gate, "");
  write("least-connections");
  const reload = runCli(["reload", name], { env: { CORRAL_HOME: corral.home }, timeoutMs: 60_000 });
  await corral.waitForOutput(/configuration changed: balance "round-robin" → "least-connections"/);
  await corral.waitForOutput(/reloading 2 workers/);

  // One worker holds 0, the other 2: least-connections gives the empty one both. With the stale count (3)
  // it would pass it over for the other (2), whose acknowledgement brings a tie: they would split.
  const next = [await hold(port), await hold(port)];
  assert.deepEqual(next.map((h) => h.worker), [emptied, emptied]);
  assert.ok(next.every((h) => h.pid === first.find((f) => f.worker === emptied)!.pid), "the old worker, not a gated replacement");

  for (const h of [...first, ...next]) h.socket.destroy();
  rmSync(gate);
  const reloaded = await reload;
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.match(reloaded.stdout, /configuration changed: balance "round-robin" → "least-connections"/);
  await corral.stop();
});

test("reload refuses a change to --balance os (new sockets): exit 2 saying why, the same workers serve", async (t) => {
  // os needs Node >= 22.12; on an older Node the config would not validate before the refusal is reached.
  const node = requireTool(t, "node24");
  if (node === null) return;
  const dir = tempDir();
  const write = configFile(dir, fixture("hello.cjs"));
  const corral = startCorral(["start", "--name", "bal-os"], { cwd: dir, env: { PORT: "0" }, node });
  await corral.ready(2);
  const socket = controlPath(corral.home, "bal-os");
  const pids = await readyPids(socket);

  write("os");
  const refused = await runCli(["reload", "bal-os"], { env: { CORRAL_HOME: corral.home } });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /reload refused: balance "round-robin" → "os" \(with os each worker binds its own SO_REUSEPORT socket and the primary holds none, so the change needs new sockets\)/);
  assert.deepEqual(await readyPids(socket), pids, "the same workers");
  assert.equal((await controlStatus(socket)).balance, "round-robin");
  await waitFor(() => /the workers keep running as they are/.test(corral.output), "the primary's log of the refusal");
  await corral.stop();
});
