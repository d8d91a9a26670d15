// worker.broadcast / worker.send / worker.on, relayed by the primary, and `corral send`.
// A message's arrival is read from the notes the workers append; "exactly once" is checked
// after a later marker arrived on the same path (the relay keeps each sender's order).
import assert from "node:assert/strict";
import { test } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/corral.js";
import { startTalkApp, type Note, type TalkApp } from "../helpers/talk.js";

const got = (app: TalkApp, data: unknown): Note[] => app.notes().filter((n) => n.ev === "got" && JSON.stringify(n.data) === JSON.stringify(data));

/** Waits until each worker in `ids` noted `data`; returns all notes of it. */
async function arrivedAt(app: TalkApp, data: unknown, ids: number[]): Promise<Note[]> {
  await waitFor(() => ids.every((id) => got(app, data).some((n) => n.id === id)), `${JSON.stringify(data)} at workers ${ids}\n${app.corral.output}`);
  return got(app, data);
}

test("a broadcast reaches every other ready worker exactly once; send reaches one worker; corral send reaches the named worker", async () => {
  const app = await startTalkApp(3);

  await app.tell(1, { action: "broadcast", topic: "hello", data: "b", count: 50 });
  await app.tell(1, { action: "broadcast", topic: "hello", data: "marker-1" });
  await arrivedAt(app, "marker-1", [2, 3]);
  for (let i = 0; i < 50; i++) {
    const notes = got(app, `b#${i}`);
    assert.deepEqual(notes.map((n) => n.id).sort(), [2, 3], `b#${i} reached workers 2 and 3 once each, not the sender`);
    assert.ok(notes.every((n) => n.from === 1), "from is the sender's id");
  }
  const order = app.notes().filter((n) => n.id === 2 && typeof n.data === "string" && (n.data as string).startsWith("b#")).map((n) => n.data);
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => `b#${i}`), "in the order sent");

  await app.tell(2, { action: "send", to: 3, topic: "hello", data: "direct" });
  await app.tell(2, { action: "broadcast", topic: "hello", data: "marker-2" });
  await arrivedAt(app, "marker-2", [1, 3]);
  assert.deepEqual(got(app, "direct").map((n) => [n.id, n.from]), [[3, 2]], "worker.send reached worker 3 only");

  const sent = await app.cli(["send", app.name, "hello", '{"op":"flush"}', "--worker", "2"]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /sent hello to worker 2\n/);
  const all = await app.cli(["send", app.name, "hello", '"marker-3"']);
  assert.match(all.stdout, /sent hello to workers 1, 2, 3\n/);
  await arrivedAt(app, "marker-3", [1, 2, 3]);
  assert.deepEqual(got(app, { op: "flush" }).map((n) => [n.id, n.from]), [[2, 0]], "the operator's message reached worker 2 only, from 0");

  const badJson = await app.cli(["send", app.name, "hello", "{nope"]);
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /JSON: "\{nope" is not valid JSON/);
  const noWorker = await app.cli(["send", app.name, "hello", "1", "--worker", "9"]);
  assert.equal(noWorker.code, 2);
  assert.match(noWorker.stderr, /--worker: 9 is not valid; expected the id of a ready worker \(1, 2, 3\)/);

  const status = await app.status();
  assert.ok(status.messages!.relayed >= 50 * 2 + 2 + 1 + 3, `relayed counted: ${JSON.stringify(status.messages)}`);
  await app.corral.stop();
});

test("oversize and flooding senders get an error; the primary drops what bypasses the API, counts it, and keeps serving", async () => {
  const app = await startTalkApp(2);

  await app.tell(1, { action: "oversize" });
  await app.tell(1, { action: "flood" });
  const errors = await waitFor(() => {
    const found = app.notes().filter((n) => n.ev === "error");
    return found.length >= 2 ? found : null;
  }, `the sender's errors\n${app.corral.output}`);
  const oversize = errors.find((n) => n.action === "oversize")!;
  assert.equal(oversize.code, "CORRAL_ERR_MESSAGE_TOO_LARGE");
  assert.match(String(oversize.message), /worker\.broadcast: the message is 307202 bytes as JSON; at most 262144 are allowed/);
  const flood = errors.find((n) => n.action === "flood")!;
  assert.equal(flood.code, "CORRAL_ERR_MESSAGE_RATE");
  assert.ok(Number(flood.sent) >= 5000 && Number(flood.sent) < 20_000, `the burst went through, then the error: ${flood.sent}`);

  // After a later message from worker 1 arrived (same path, in order), worker 2 has all of the flood.
  await app.tell(1, { action: "broadcast", topic: "hello", data: "after-flood" });
  await arrivedAt(app, "after-flood", [2]);
  await app.tell(2, { action: "count" });
  const count = await waitFor(() => app.notes().find((n) => n.ev === "count" && n.id === 2), "worker 2's count");
  assert.equal(count.floods, flood.sent, "every message sent before the error arrived; none after it");

  // A worker writing to its channel directly: 100,000 messages at once, and one over the size limit.
  await app.tell(1, { action: "raw", topic: "flood", count: 100_000 });
  await app.tell(1, { action: "raw", topic: "hello", count: 1, size: 400 * 1024 });
  const dropped = await waitFor(async () => {
    const counts = (await app.status()).messages!;
    return counts.dropped.rate > 0 && counts.dropped.size === 1 ? counts : null;
  }, "the primary's drops", 30_000);
  // The primary's budget is larger than the API's (message-limits.ts): 20,000 at once, 10,000/s.
  assert.ok(dropped.dropped.rate > 0, `the raw flood beyond the primary's budget was dropped: ${JSON.stringify(dropped)}`);
  await app.corral.waitForOutput(/worker 1 \(pid \d+\): dropped messages over the rate limit; further drops of this kind are only counted/);
  const reply = await fetch(`http://127.0.0.1:${app.port}/`);
  assert.equal(reply.status, 200, "still serving");
  assert.ok(!app.notes().some((n) => n.ev === "got" && String(n.data).startsWith("yyy")), "the oversize message reached nobody");
  await app.corral.stop();
});

test("a receiver that does not read: the primary holds a bounded backlog for it and drops the rest", async () => {
  const app = await startTalkApp(2, ["--hang-timeout", "60s"]);
  const gate = join(tempDir(), "open");
  await app.tell(2, { action: "block", gate });
  await waitFor(() => app.notes().some((n) => n.ev === "blocking"), "worker 2 blocking");
  // 80 MB for worker 2 while it does not read; without the bound the primary would hold all of it.
  await app.tell(1, { action: "raw", topic: "flood", count: 400, size: 200 * 1024 });
  const counts = await waitFor(async () => {
    const m = (await app.status()).messages!;
    return m.relayed + m.dropped.backlog >= 400 ? m : null;
  }, "every message for the blocked worker relayed or dropped", 30_000);
  const status = await app.status();
  writeFileSync(gate, "");
  assert.ok(counts.relayed <= 40, `at most ~4 MB (and what the kernel's socket buffer takes) queued: ${JSON.stringify(counts)}`);
  assert.ok(status.primaryRss < 120 * 1024 * 1024, `the primary stayed small: ${status.primaryRss}`);
  await waitFor(() => app.notes().some((n) => n.ev === "unblocked"), "worker 2 reading again");
  await app.corral.stop();
});
