// Hang detection: a worker whose event loop stops (a busy loop in a handler, SIGSTOP)
// is SIGKILLed after --hang-timeout without heartbeats and replaced; only its own
// connections are lost. Hangs while starting and while draining are covered by
// --listen-timeout and --kill-timeout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlRequest, readyPids } from "../helpers/control-socket.js";
import { fixture, getJson, isAlive, request, startCorral, waitFor, type CorralProcess } from "../helpers/corral.js";
import { mark, since, type OutputMark } from "../helpers/output-mark.js";
import { Load } from "../helpers/load.js";

const HANG_TIMEOUT_MS = 2_000;
/**
 * How late the watchdog may notice a silent worker, measured by the primary itself ("no heartbeat
 * for N ms"): its tick (≤ 250 ms) plus timer lag on a loaded machine. How long the replacement then
 * takes to start is the app's start time on that machine, not a property of hang detection: the
 * tests wait for it (bounded) and print it instead of holding it to a wall-clock limit.
 */
const DETECTION_SLACK_MS = 1_000;

function assertDetectedInTime(silentMs: number): void {
  assert.ok(silentMs > HANG_TIMEOUT_MS, `reported hung after only ${silentMs} ms without heartbeats`);
  assert.ok(silentMs <= HANG_TIMEOUT_MS + DETECTION_SLACK_MS, `hung worker noticed after ${silentMs} ms without heartbeats (limit ${HANG_TIMEOUT_MS + DETECTION_SLACK_MS} ms)`);
}

/** Resolves with the pid of the next worker of `slot` that becomes ready after `from` in the output. */
async function nextReady(corral: CorralProcess, slot: number, from: OutputMark, timeoutMs: number): Promise<number> {
  const pattern = new RegExp(`worker ${slot} \\(pid (\\d+)\\) ready in \\d+ ms`);
  const match = await waitFor(() => since(corral, from).match(pattern), `a new worker ${slot} to be ready\n${corral.output}`, timeoutMs, 10);
  return Number(match[1]);
}

async function startTwo(name: string, extra: string[] = [], env: Record<string, string> = {}) {
  const corral = startCorral(
    ["start", fixture("faulty.cjs"), "--workers", "2", "--name", name, "--hang-timeout", `${HANG_TIMEOUT_MS}ms`, ...extra],
    { env },
  );
  const port = await corral.ready(2);
  return { corral, port, socket: controlPath(corral.home, name) };
}

test("a worker stuck in a busy loop is killed at hang-timeout and replaced; the other keeps serving", async () => {
  const { corral, port, socket } = await startTwo("hang-loop");
  const before = await readyPids(socket);
  assert.equal(before.length, 2);

  const offset = mark(corral);
  const blockedAt = Date.now();
  // Its own connection is lost with it: the request fails when the worker is killed.
  const blocked = request(port, "/block").then(
    (reply) => `answered ${reply.status}`,
    (error: Error) => `failed: ${error.message}`,
  );
  // Ask only once the loop runs, so no request of ours was accepted by that worker before it blocked.
  await corral.waitForOutput(/blocking the event loop/);
  const others = new Load(port, { keepAlive: 0, fresh: 1, pauseMs: 5 }).start();
  const hung = await waitFor(() => since(corral, offset).match(/worker (\d) \(pid (\d+)\) hung: no heartbeat for (\d+) ms/), "the hang to be detected", 15_000, 10);
  const slot = Number(hung[1]);
  const hungPid = Number(hung[2]);
  const replacement = await nextReady(corral, slot, offset, 15_000);
  const replacedMs = Date.now() - blockedAt;
  await others.stop();

  assert.match(await blocked, /^failed/, "the blocked worker's own request is lost");
  assert.ok(before.includes(hungPid));
  assert.notEqual(replacement, hungPid);
  await waitFor(() => !isAlive(hungPid), "the hung worker to be gone", 5_000);
  assert.equal(others.failed, 0, `requests to the service kept succeeding while one worker hung: ${others.summary()}`);
  assert.ok(others.ok > 0);
  assertDetectedInTime(Number(hung[3]));
  console.log(`# busy loop → hung (silent ${hung[3]} ms) → replacement ready: ${replacedMs} ms (hang-timeout ${HANG_TIMEOUT_MS} ms); ${others.ok} other requests ok`);

  const after = await readyPids(socket);
  assert.equal(after.length, 2);
  assert.ok(!after.includes(hungPid));
  await corral.stop();
});

test("a SIGSTOPped worker is detected as hung, killed and replaced; connections handed to it are not lost", async () => {
  const { corral, port, socket } = await startTwo("hang-stop");
  const [victim] = await readyPids(socket);
  const offset = mark(corral);
  process.kill(victim!, "SIGSTOP");
  const stoppedAt = Date.now();
  const others = new Load(port, { keepAlive: 0, fresh: 1, pauseMs: 5 }).start();
  const hung = await waitFor(() => since(corral, offset).match(new RegExp(`worker (\\d) \\(pid ${victim}\\) hung: no heartbeat for (\\d+) ms`)), "the stopped worker to be found hung", 15_000, 10);
  await nextReady(corral, Number(hung[1]), offset, 15_000);
  const replacedMs = Date.now() - stoppedAt;
  await others.stop();

  await waitFor(() => !isAlive(victim!), "the stopped worker to be gone", 5_000);
  // A stopped worker never acknowledges the connection it was handed; the primary gives that one to another worker.
  assert.equal(others.failed, 0, `no request failed, nothing had been accepted by the stopped worker: ${others.summary()}`);
  assertDetectedInTime(Number(hung[2]));
  console.log(`# SIGSTOP → hung (silent ${hung[2]} ms) → replacement ready: ${replacedMs} ms (hang-timeout ${HANG_TIMEOUT_MS} ms); ${others.ok} requests ok meanwhile`);
  assert.equal((await readyPids(socket)).length, 2);
  await corral.stop();
});

test("a worker that hangs while starting is killed by --listen-timeout", async () => {
  const corral = startCorral(
    ["start", fixture("faulty.cjs"), "--workers", "1", "--name", "hang-start", "--listen-timeout", "1500ms", "--max-restarts", "1"],
    { env: { BLOCK_AT_START: "1" } },
  );
  await corral.waitForOutput(/worker 1 \(pid \d+\) did not become ready within 1500 ms \(no server listening\)/, 15_000);
  // Every attempt hangs the same way: the slot gives up and the primary exits 1 instead of looping.
  const { code } = await corral.exit(30_000);
  assert.equal(code, 1);
  assert.match(corral.output, /giving up on it/);
  // The limit is the whole story: no "within 1500 ms … after 1507 ms" that reads as a contradiction.
  assert.doesNotMatch(corral.output, /within 1500 ms.*after \d+ ms/);
});

test("a worker that hangs while draining is killed by --kill-timeout; the reload completes", async () => {
  const { corral, port, socket } = await startTwo("hang-drain", ["--kill-timeout", "1s"], { BLOCK_ON_SHUTDOWN: "1" });
  const before = await readyPids(socket);
  const reload = await controlRequest(socket, "POST", "/reload", undefined, {}, 60_000);
  assert.equal(reload.status, 200, reload.body);
  await waitFor(() => (corral.output.match(/still running after --kill-timeout; SIGKILL/g)?.length ?? 0) >= 2, "both old workers to be killed after --kill-timeout", 15_000);
  for (const pid of before) await waitFor(() => !isAlive(pid), `old worker ${pid} to be gone`, 5_000);
  const after = await readyPids(socket);
  assert.equal(after.length, 2);
  assert.ok(after.every((pid) => !before.includes(pid)));
  // The service still answers, from the new workers.
  assert.ok(after.includes((await getJson(port)).pid));
  // Shutdown: the new workers hang in their drain too; the primary still exits 0 within kill-timeout.
  await corral.stop();
});

/** Stops the primary for `ms` (it cannot hear heartbeats meanwhile; the workers keep serving), then resumes it. */
async function pausePrimary(corral: CorralProcess, ms: number, meanwhile?: () => void): Promise<void> {
  process.kill(corral.pid, "SIGSTOP");
  try {
    meanwhile?.();
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    process.kill(corral.pid, "SIGCONT");
  }
}

test("a primary paused longer than --hang-timeout kills no worker when it resumes; in-flight requests complete", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "hang-primary-paused", "--hang-timeout", `${HANG_TIMEOUT_MS}ms`]);
  const port = await corral.ready(2);
  const socket = controlPath(corral.home, "hang-primary-paused");
  const before = await readyPids(socket);
  const offset = mark(corral);
  // In flight on both workers when the primary stops; answered ~1 s after it resumes, when the old
  // watchdog had long judged both workers hung (its first tick after the resume did).
  const slow = Array.from({ length: 10 }, () => request(port, `/slow?ms=${HANG_TIMEOUT_MS + 2_500}`));
  await waitFor(() => (since(corral, offset).match(/slow request started/g)?.length ?? 0) === 10, "10 requests in flight", 10_000, 10);
  await pausePrimary(corral, HANG_TIMEOUT_MS + 1_500);
  const replies = await Promise.allSettled(slow);
  const failed = replies.filter((r) => r.status === "rejected" || r.value.status !== 200);
  assert.equal(failed.length, 0, `every in-flight request completed: ${JSON.stringify(failed)}\n${corral.output}`);
  assert.doesNotMatch(since(corral, offset), /hung: no heartbeat/, corral.output);
  assert.deepEqual(await readyPids(socket), before, "the same workers still serve");
  await corral.stop();
});

test("a worker SIGSTOPped while the primary was paused is still caught within --hang-timeout of the resume", async () => {
  const { corral, socket } = await startTwo("hang-both-paused");
  const [victim, other] = await readyPids(socket);
  const offset = mark(corral);
  await pausePrimary(corral, HANG_TIMEOUT_MS + 500, () => process.kill(victim!, "SIGSTOP"));
  const resumedAt = Date.now();
  const hung = await waitFor(() => since(corral, offset).match(/worker (\d) \(pid (\d+)\) hung: no heartbeat for (\d+) ms/), "the stopped worker to be found hung", 15_000, 10);
  const caughtMs = Date.now() - resumedAt;
  assert.equal(Number(hung[2]), victim, "only the stopped worker is hung");
  assert.ok(caughtMs <= HANG_TIMEOUT_MS + 2_000, `caught ${caughtMs} ms after the primary resumed (limit ${HANG_TIMEOUT_MS + 2_000} ms)`);
  await waitFor(async () => (await readyPids(socket)).length === 2, "the slot to refill", 15_000);
  assert.ok((await readyPids(socket)).includes(other!), "the other worker was not touched");
  console.log(`# primary and one worker paused ${HANG_TIMEOUT_MS + 500} ms: the worker was caught ${caughtMs} ms after the resume (silent ${hung[3]} ms)`);
  await corral.stop();
});
