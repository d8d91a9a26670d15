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
    try {
      const count = 80;
      const outcomes = await Promise.allSettled(Array.from({ length: count }, () => hold(port, undefined, 10_000)));
      const greeted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : [])) as Held[];
      console.log(`# ${balance}: ${greeted.length} of ${count} connections served while worker ${first.worker} was stopped`);
      assert.ok(greeted.every((h) => h.pid !== first.pid));
      assert.ok(greeted.length >= count - MAX_PENDING_HANDOFFS, `only ${greeted.length} of ${count} were served`);
      for (const h of greeted) h.socket.destroy();
    } finally {
      process.kill(first.pid, "SIGCONT");
    }
    first.socket.destroy();
    await corral.stop();
  });
}
