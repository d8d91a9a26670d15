// A worker that stops reading its channel (SIGSTOP here; a blocked event loop
// alike) is handed at most a few connections before the balancer passes it
// over: least-connections and ip-hash cap the hand-offs a worker may leave
// unacknowledged, so the rest go to the other worker instead of piling up (one
// fd each in the primary) until --hang-timeout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_PENDING_HANDOFFS } from "../../src/balancer/types.js";
import { fixture, startCorral } from "../helpers/corral.js";
import { hold, type Held } from "../helpers/held.js";

for (const balance of ["least-connections", "ip-hash"]) {
  test(`${balance}: a stopped worker is handed at most ${MAX_PENDING_HANDOFFS} connections; the other worker serves the rest`, async () => {
    const corral = startCorral(["start", fixture("tcp-hold.cjs"), "--workers", "2", "--balance", balance,
      "--name", `stopped-${balance}`, "--hang-timeout", "60s"]);
    const port = await corral.ready(2);
    // ip-hash sends every connection from 127.0.0.1 to one worker: stop that one.
    const first = await hold(port);
    process.kill(first.pid, "SIGSTOP");
    const count = 80;
    const greeted: Held[] = [];
    let attempts: Promise<unknown>[] = [];
    try {
      // Done as soon as all but MAX_PENDING_HANDOFFS are served, or when every attempt has settled:
      // the ones handed to the stopped worker would otherwise wait out their 10 s each.
      let enough!: () => void;
      const served = new Promise<void>((resolve) => (enough = resolve));
      attempts = Array.from({ length: count }, () => hold(port, undefined, 10_000).then((h) => {
        greeted.push(h);
        if (greeted.length >= count - MAX_PENDING_HANDOFFS) enough();
      }, () => undefined));
      await Promise.race([served, Promise.all(attempts)]);
      const seen = [...greeted];
      console.log(`# ${balance}: ${seen.length} of ${count} connections served while worker ${first.worker} was stopped`);
      assert.ok(seen.every((h) => h.pid !== first.pid));
      assert.ok(seen.length >= count - MAX_PENDING_HANDOFFS, `only ${seen.length} of ${count} were served`);
    } finally {
      process.kill(first.pid, "SIGCONT");
      // The resumed worker greets what it was handed: close every connection before stopping.
      await Promise.all(attempts);
      for (const h of greeted) h.socket.destroy();
    }
    first.socket.destroy();
    await corral.stop();
  });
}
