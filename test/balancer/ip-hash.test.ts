// ip-hash keeps each client address on one worker, and when a worker goes away only
// the addresses it served move; its replacement (same slot id) gets exactly those back.
// Clients come from different loopback addresses: Linux routes all of 127.0.0.0/8 to lo.
import assert from "node:assert/strict";
import { existsSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, getJson, startCorral, tempDir, waitFor } from "../helpers/corral.js";

const ADDRESSES = Array.from({ length: 32 }, (_, i) => `127.0.0.${10 + i}`);

interface Answer { pid: number; worker: number }

const ask = (port: number, localAddress: string): Promise<Answer> => getJson<Answer>(port, "/", { localAddress });

/** Which worker (slot id, pid) answers each address; asks `times` times and insists they agree. */
async function whoServes(port: number, times = 3): Promise<Map<string, Answer>> {
  const map = new Map<string, Answer>();
  for (const address of ADDRESSES) {
    const answers: Answer[] = [];
    for (let i = 0; i < times; i++) answers.push(await ask(port, address));
    assert.equal(new Set(answers.map((a) => a.pid)).size, 1, `${address} always reaches one worker: ${JSON.stringify(answers)}`);
    map.set(address, answers[0]!);
  }
  return map;
}

test("ip-hash: each address sticks to one worker; a killed worker's addresses move and come back to its replacement", async () => {
  const gate = join(tempDir(), "gate");
  const corral = startCorral(
    ["start", fixture("hello-gated.cjs"), "--workers", "3", "--balance", "ip-hash", "--name", "iphash", "--listen-timeout", "60s"],
    { env: { GATE: gate } },
  );
  const port = await corral.ready(3);

  const before = await whoServes(port);
  const slots = new Set([...before.values()].map((a) => a.worker));
  assert.ok(slots.size >= 2, `addresses spread over the workers: ${[...slots]}`);

  // The victim: the slot with the most addresses (so there is something to move).
  const share = (slot: number) => ADDRESSES.filter((a) => before.get(a)!.worker === slot);
  const victim = [...slots].sort((a, b) => share(b).length - share(a).length)[0]!;
  const victimPid = before.get(share(victim)[0]!)!.pid;

  // Its replacement will wait at the gate (starting, not ready) until we open it.
  writeFileSync(gate, "");
  process.kill(victimPid, "SIGKILL");
  await corral.waitForOutput(new RegExp(`restarting worker ${victim} in`));

  const during = await whoServes(port);
  for (const address of ADDRESSES) {
    const was = before.get(address)!;
    const now = during.get(address)!;
    if (was.worker === victim) assert.notEqual(now.worker, victim, `${address} moved off the dead worker`);
    else assert.deepEqual(now, was, `${address} (worker ${was.worker}) did not move`);
  }

  rmSync(gate);
  await waitFor(() => (corral.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 4, "the replacement to be ready", 20_000);

  const after = await whoServes(port);
  for (const address of ADDRESSES) {
    const was = before.get(address)!;
    const now = after.get(address)!;
    assert.equal(now.worker, was.worker, `${address} is back on worker ${was.worker}`);
    if (was.worker === victim) assert.notEqual(now.pid, victimPid, `${address} reaches the replacement process`);
    else assert.equal(now.pid, was.pid);
  }
  assert.ok(!existsSync(gate));

  await corral.stop();
});
