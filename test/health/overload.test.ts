// Overload protection in the primary: while no worker is ready (all in restart
// backoff, or an app that never says ready) connections wait in a bounded queue;
// past --max-queue the oldest is closed, and one that waited --queue-timeout is
// closed. Status shows how many wait and how many were dropped. When a worker
// becomes ready, the waiting connections are served.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, startCorral, tempDir, waitFor } from "../helpers/corral.js";

interface Waiting {
  openedAt: number;
  closedAt: number | null;
  reply: string;
  closed: Promise<void>;
}

/** A raw connection that sends one request and records when (and whether) the server answered or closed it. */
async function waitingRequest(port: number): Promise<Waiting> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const entry: Waiting = { openedAt: Date.now(), closedAt: null, reply: "", closed: Promise.resolve() };
  entry.closed = new Promise<void>((resolve) => {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (entry.reply += chunk));
    socket.on("error", () => {}); // ECONNRESET: the primary closed a connection it never handed off
    socket.on("close", () => {
      entry.closedAt = Date.now();
      resolve();
    });
  });
  socket.write("GET / HTTP/1.1\r\nHost: corral\r\nConnection: close\r\n\r\n");
  // The test ends these itself if they outlive it.
  setTimeout(() => socket.destroy(), 30_000).unref();
  return entry;
}

// Long enough for the five connections below to be opened and counted one by one on a loaded machine;
// each assertion says which limit closed a connection, so none depends on how fast that went.
const QUEUE_TIMEOUT_MS = 4_000;

test("with every worker in restart backoff, --max-queue bounds the waiting connections and --queue-timeout closes them", async () => {
  const dir = tempDir();
  const down = join(dir, "down");
  const name = "overload-backoff";
  const corral = startCorral(
    ["start", fixture("down-while-flagged.cjs"), "--workers", "1", "--name", name,
      "--max-queue", "3", "--queue-timeout", `${QUEUE_TIMEOUT_MS}ms`, "--max-restarts", "1000", "--min-uptime", "1s"],
    { env: { DOWN_FILE: down } },
  );
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);

  writeFileSync(down, "");
  await request(port, "/crash").catch(() => {});
  await waitFor(async () => {
    const status = await controlStatus(socket);
    return status.workersReady === 0 && corral.output.includes("dependency down");
  }, "the only worker to be crash-looping");

  const waiting: Waiting[] = [];
  for (let i = 1; i <= 5; i++) {
    waiting.push(await waitingRequest(port));
    await waitFor(async () => {
      const status = await controlStatus(socket);
      return status.queued === Math.min(i, 3) && status.queueDropped === Math.max(0, i - 3);
    }, `the primary to hold ${Math.min(i, 3)} connections and have dropped ${Math.max(0, i - 3)}`);
  }
  // The two oldest made room: closed without an answer, before their --queue-timeout.
  await Promise.all([waiting[0]!.closed, waiting[1]!.closed]);
  for (const w of waiting.slice(0, 2)) {
    assert.equal(w.reply, "");
    assert.ok(w.closedAt! - w.openedAt < QUEUE_TIMEOUT_MS, `closed after ${w.closedAt! - w.openedAt} ms: by --queue-timeout, not by --max-queue`);
  }
  // The newest three waited their whole --queue-timeout.
  await Promise.all(waiting.slice(2).map((w) => w.closed));
  for (const w of waiting.slice(2)) {
    assert.equal(w.reply, "", "closed, not answered");
    assert.ok(w.closedAt! - w.openedAt >= QUEUE_TIMEOUT_MS - 50, `closed after ${w.closedAt! - w.openedAt} ms, not before --queue-timeout`);
  }
  const status = await controlStatus(socket);
  assert.equal(status.queued, 0);
  assert.equal(status.queueDropped, 5);
  assert.equal(status.workersReady, 0);
  console.log(`# queue-timeout ${QUEUE_TIMEOUT_MS} ms: waiting connections closed after ${waiting.slice(2).map((w) => w.closedAt! - w.openedAt).join(", ")} ms`);
  rmSync(down);
  await corral.stop();
});

test("connections that arrive while every worker is in backoff are served once a worker is ready", async () => {
  const dir = tempDir();
  const down = join(dir, "down");
  const name = "overload-recover";
  const corral = startCorral(
    ["start", fixture("down-while-flagged.cjs"), "--workers", "1", "--name", name, "--queue-timeout", "30s", "--max-restarts", "1000", "--min-uptime", "1s"],
    { env: { DOWN_FILE: down } },
  );
  const port = await corral.ready(1);
  const socket = controlPath(corral.home, name);
  writeFileSync(down, "");
  await request(port, "/crash").catch(() => {});
  await waitFor(async () => (await controlStatus(socket)).workersReady === 0, "no ready worker");

  const replies = [request(port, "/", { timeout: 40_000 }), request(port, "/", { timeout: 40_000 })];
  await waitFor(async () => (await controlStatus(socket)).queued === 2, "both requests to wait in the primary");
  rmSync(down); // the dependency is back: the next restart succeeds
  const answered = await Promise.all(replies);
  assert.deepEqual(answered.map((r) => r.status), [200, 200]);
  const status = await controlStatus(socket);
  assert.equal(status.queued, 0);
  assert.equal(status.queueDropped, 0);
  assert.equal(status.workersReady, 1);
  await corral.stop();
});

test("an app that never says ready (--wait-ready) gets no traffic: connections wait, then are closed after --queue-timeout", async () => {
  const name = "overload-wait-ready";
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", name, "--wait-ready", "--listen-timeout", "60s", "--queue-timeout", "1s"]);
  // The server listens (through the primary) but the worker never becomes ready.
  const port = Number((await corral.waitForOutput(/listening (\d+)/))[1]);
  const socket = controlPath(corral.home, name);
  const waiting = await waitingRequest(port);
  await waitFor(async () => (await controlStatus(socket)).queued === 1, "the connection to wait in the primary");
  await waiting.closed;
  assert.equal(waiting.reply, "");
  assert.ok(waiting.closedAt! - waiting.openedAt >= 1_000 - 50, `closed after ${waiting.closedAt! - waiting.openedAt} ms`);
  const status = await controlStatus(socket);
  assert.equal(status.workersReady, 0);
  assert.equal(status.queued, 0);
  assert.equal(status.queueDropped, 1);
  assert.equal(status.workers[0]?.state, "starting");
  await corral.stop();
});
