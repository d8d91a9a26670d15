// The socket.io adapter relay (primary/socketio-relay.ts) keeps the primary bounded whatever a
// worker's adapter sends: a message over MAX_RELAY_CHARS is dropped and counted, never fanned out
// to every worker; and what is held for a worker that does not read stays within MAX_BACKLOG_BYTES,
// also while a connection handed to it awaits its acknowledgement (node then holds every later
// message in the channel's _handleQueue, out of libuv's sight). The fixture's "sio" action sends
// what @socket.io/cluster-adapter sends.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { MAX_RELAY_CHARS } from "../../src/primary/socketio-relay.js";
import { tempDir, waitFor } from "../helpers/corral.js";
import { startTalkApp } from "../helpers/talk.js";

const MiB = 1024 * 1024;

test("an adapter message over the size limit is dropped and counted; one under it reaches the other worker", async () => {
  const app = await startTalkApp(2);
  await app.tell(1, { action: "sio", count: 1, size: MAX_RELAY_CHARS + 1 });
  await waitFor(async () => (await app.status()).messages!.dropped.size >= 1, `the oversized message counted as dropped\n${app.corral.output}`);
  await app.tell(1, { action: "sio", count: 1, size: 1000 });
  await waitFor(() => app.notes().some((n) => n.ev === "sio" && n.id === 2), "the small message at worker 2");
  const status = await app.status();
  assert.equal(status.messages!.socketIoRelayed, 1, "only the small message was relayed");
  assert.deepEqual(app.notes().filter((n) => n.ev === "sio").map((n) => [n.id, n.chars]), [[2, 1000]]);
  await app.corral.stop();
});

test("a worker that does not read, with a hand-off in flight: relayed adapter messages held for it stay within 4 MiB", async () => {
  const app = await startTalkApp(2, ["--hang-timeout", "60s"]);
  const gate = join(tempDir(), "open");
  const clients: net.Socket[] = [];
  after(() => clients.forEach((client) => client.destroy()));
  await app.tell(2, { action: "block", gate });
  await waitFor(() => app.notes().some((n) => n.ev === "blocking"), "worker 2 blocking");
  // Round-robin hands one of these to worker 2, which cannot acknowledge it while blocked.
  for (let i = 0; i < 2; i++) clients.push(net.connect(app.port, "127.0.0.1").on("error", () => {}));
  await waitFor(async () => (await app.status()).workers.find((w) => w.id === 2)?.pendingHandoffs, "a hand-off to worker 2 awaiting its acknowledgement");
  // 100 MiB for worker 2; without a bound on what node holds behind the hand-off, the primary would keep all of it.
  await app.tell(1, { action: "sio", count: 100, size: MiB });
  const counts = await waitFor(async () => {
    const m = (await app.status()).messages!;
    return m.socketIoRelayed + m.dropped.backlog >= 100 ? m : null;
  }, "every message for the blocked worker relayed or dropped", 15_000);
  const { primaryRss } = await app.status();
  writeFileSync(gate, "");
  assert.ok(counts.socketIoRelayed <= 4, `at most 4 MiB held for worker 2: ${JSON.stringify(counts)}`);
  assert.ok(primaryRss < 150 * MiB, `the primary stayed small: ${Math.round(primaryRss / MiB)} MiB`);
  await waitFor(() => app.notes().some((n) => n.ev === "sio" && n.id === 2), "worker 2 reading what was held for it");
  // A connection that never sent a request is not idle to node's http server: the drain would wait for it.
  for (const client of clients) client.destroy();
  await app.corral.stop();
});
