// Overload protection in the primary: while no worker is ready (all in restart
// backoff, or an app that never says ready) connections wait in a bounded queue;
// past --max-queue the newest is closed, and one that waited --queue-timeout is
// closed. Status shows how many wait and how many were dropped. When a worker
// becomes ready, the waiting connections are served.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fdCount, resetFlood, waitingRequest, type Waiting } from "../helpers/connections.js";
import { fixture, request, startCorral, tempDir, waitFor, type CorralProcess } from "../helpers/corral.js";

// Long enough for the five connections below to be opened and counted one by one on a loaded machine;
// each assertion says which limit closed a connection, so none depends on how fast that went.
const QUEUE_TIMEOUT_MS = 4_000;

/** Starts a one-worker app and makes it crash-loop (no ready worker) until `down` is removed. */
async function outage(name: string, args: string[]): Promise<{ corral: CorralProcess; port: number; socket: string; down: string }> {
  const down = join(tempDir(), "down");
  const corral = startCorral(
    ["start", fixture("down-while-flagged.cjs"), "--workers", "1", "--name", name, "--max-restarts", "1000", "--min-uptime", "1s", ...args],
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
  return { corral, port, socket, down };
}

test("with every worker in restart backoff, --max-queue bounds the waiting connections and --queue-timeout closes them", async () => {
  const { corral, port, socket, down } = await outage("overload-backoff", ["--max-queue", "3", "--queue-timeout", `${QUEUE_TIMEOUT_MS}ms`]);

  const waiting: Waiting[] = [];
  for (let i = 1; i <= 5; i++) {
    waiting.push(await waitingRequest(port));
    await waitFor(async () => {
      const status = await controlStatus(socket);
      return status.queued === Math.min(i, 3) && status.queueDropped === Math.max(0, i - 3);
    }, `the primary to hold ${Math.min(i, 3)} connections and have dropped ${Math.max(0, i - 3)}`);
  }
  // The two that found the queue full were closed without an answer, before any --queue-timeout.
  await Promise.all([waiting[3]!.closed, waiting[4]!.closed]);
  for (const w of waiting.slice(3)) {
    assert.equal(w.reply, "");
    assert.ok(w.closedAt! - w.openedAt < QUEUE_TIMEOUT_MS, `closed after ${w.closedAt! - w.openedAt} ms: by --queue-timeout, not by --max-queue`);
  }
  // The three that came first waited their whole --queue-timeout.
  await Promise.all(waiting.slice(0, 3).map((w) => w.closed));
  for (const w of waiting.slice(0, 3)) {
    assert.equal(w.reply, "", "closed, not answered");
    assert.ok(w.closedAt! - w.openedAt >= QUEUE_TIMEOUT_MS - 50, `closed after ${w.closedAt! - w.openedAt} ms, not before --queue-timeout`);
  }
  const status = await controlStatus(socket);
  assert.equal(status.queued, 0);
  assert.equal(status.queueDropped, 5);
  assert.equal(status.workersReady, 0);
  console.log(`# queue-timeout ${QUEUE_TIMEOUT_MS} ms: waiting connections closed after ${waiting.slice(0, 3).map((w) => w.closedAt! - w.openedAt).join(", ")} ms`);
  rmSync(down);
  await corral.stop();
});

test("connections that arrive while every worker is in backoff are served once a worker is ready", async () => {
  const { corral, port, socket, down } = await outage("overload-recover", ["--queue-timeout", "30s"]);

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

test("clients that connect and reset while no worker is ready free their queue slots: the clients still waiting are served", async () => {
  const { corral, port, socket, down } = await outage("overload-resets", ["--max-queue", "100", "--queue-timeout", "60s"]);
  const { pid } = await controlStatus(socket);
  const fdsBefore = fdCount(pid);

  const waiting: Waiting[] = [];
  for (let i = 0; i < 50; i++) waiting.push(await waitingRequest(port, 60_000));
  await waitFor(async () => (await controlStatus(socket)).queued === 50, "50 clients to wait in the primary");
  await resetFlood(port, 2_000);
  // The reset ones are found and closed: the queue and the primary's fds come back to the 50 real clients.
  await waitFor(async () => (await controlStatus(socket)).queued === 50, "the queue to hold the 50 waiting clients again");
  const fdsHeld = fdCount(pid) - fdsBefore;
  const status = await controlStatus(socket);
  console.log(`# 2,000 connect-then-reset clients during an outage (--max-queue 100): ${status.queueDropped} closed on overflow, ${fdsHeld} more fds than before the 50 waited`);
  assert.ok(fdsHeld < 50 + 20, `the primary holds ${fdsHeld} more fds`);

  rmSync(down);
  await Promise.all(waiting.map((w) => w.closed));
  const answered = waiting.filter((w) => w.reply.startsWith("HTTP/1.1 200")).length;
  assert.equal(answered, 50, "every client that waited was served");
  await corral.stop();
});
