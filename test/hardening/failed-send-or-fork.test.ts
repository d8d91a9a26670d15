// A send to a worker that is dying (EPIPE) or a fork that fails (the node binary is gone, a
// symlink loop, a --user who cannot execute it, an environment too big) is that slot's problem:
// node:cluster re-emits these as 'error' on the Worker, or throws from cluster.fork, and neither
// may end the primary. The slot restarts with backoff and refills once forking works again.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { startWithAdmin } from "../helpers/admin.js";
import { controlRequest, controlStatus, readyPids } from "../helpers/control-socket.js";
import { fixture, isAlive, request, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";
import { mark, since } from "../helpers/output-mark.js";

/** One GET /metrics on `agent`'s kept-alive connection; resolves with the status, or the error's code. */
function scrape(port: number, agent?: http.Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/metrics", agent: agent ?? false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("a /metrics scrape that reaches a worker already dead (EPIPE on its channel) leaves the primary running", async () => {
  const { corral, adminPort, socket } = await startWithAdmin(fixture("prom-app.cjs"), { workers: 2, name: "send-epipe" });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal(await scrape(adminPort, agent), 200);
    // Deterministic order: with the primary stopped, the scrape's bytes arrive on its kept-alive
    // connection first, then the worker dies. On SIGCONT the primary reads the scrape before the
    // worker's channel EOF, so it writes to a closed pipe: EPIPE.
    for (let round = 1; round <= 2; round++) {
      const [victim] = await readyPids(socket);
      process.kill(corral.pid, "SIGSTOP");
      let reply: Promise<number | string>;
      try {
        reply = scrape(adminPort, agent);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the request is written before the kill
        process.kill(victim!, "SIGKILL");
        await waitFor(() => !isAlive(victim!), "the worker to be dead", 5_000, 5);
      } finally {
        process.kill(corral.pid, "SIGCONT");
      }
      assert.equal(await reply, 200, `round ${round}: the scrape is answered\n${corral.output}`);
      assert.ok(isAlive(corral.pid), `round ${round}: the primary died\n${corral.output}`);
      await waitFor(async () => (await readyPids(socket)).length === 2, "the killed worker to be replaced", 15_000);
    }
  } finally {
    agent.destroy();
  }
  assert.doesNotMatch(corral.output, /Unhandled 'error' event|EPIPE/);
  await corral.stop();
});

test("scrapes during a reload and while workers are SIGKILLed never end the primary", async () => {
  const { corral, adminPort, socket } = await startWithAdmin(fixture("prom-app.cjs"), { workers: 2, name: "send-storm" });
  let running = true;
  const results = new Map<number | string, number>();
  const scrapers = Array.from({ length: 20 }, async () => {
    while (running) {
      const status = await scrape(adminPort);
      results.set(status, (results.get(status) ?? 0) + 1);
    }
  });
  try {
    for (let i = 0; i < 2; i++) {
      const reload = await controlRequest(socket, "POST", "/reload", undefined, {}, 60_000);
      assert.equal(reload.status, 200, reload.body);
    }
    for (let kill = 0; kill < 6; kill++) {
      const pids = await readyPids(socket);
      if (pids[0]) process.kill(pids[0], "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(isAlive(corral.pid), `the primary died after ${kill + 1} kills\n${corral.output}`);
    }
  } finally {
    running = false;
    await Promise.all(scrapers);
  }
  assert.ok(isAlive(corral.pid), corral.output);
  assert.deepEqual([...results.keys()], [200], `every scrape answered 200: ${JSON.stringify([...results])}`);
  console.log(`# ${results.get(200)} scrapes over 2 reloads and 6 SIGKILLed workers, all 200`);
  await waitFor(async () => (await readyPids(socket)).length === 2, "both slots to be ready", 20_000);
  await corral.stop();
});

/**
 * A node binary of our own (a hard link, or a copy across file systems) in a directory we control:
 * the primary runs it, and node forks workers with the primary's own path, so what we do to that
 * path decides whether the next fork works.
 */
function privateNode(): { dir: string; node: string } {
  const dir = join(tempDir("corral-node-"), "bin");
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const node = join(dir, "node");
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  return { dir, node };
}

const isRoot = process.getuid?.() === 0;
/** A worker up this long ends its slot's crash streak, so each failure below starts from the first backoff. */
const MIN_UPTIME_MS = 300;

test("forks that fail (ENOENT, EMFILE and EACCES emitted, ELOOP thrown) back off and the slot refills; the primary keeps serving", async () => {
  const { dir, node } = privateNode();
  const app = join(dir, "..", "app.cjs");
  copyFileSync(fixture("hello.cjs"), app);
  chmodSync(join(dir, ".."), 0o755);
  // As root, the workers run as nobody: a directory only root can enter makes their exec fail with EACCES.
  const user = isRoot ? ["--user", "nobody"] : [];
  // Workers as nobody load corral's runtime from a readable copy (this clone may be private).
  const cli = isRoot ? readableInstall().cli : undefined;
  const corral = startCorral(["start", app, "-w", "2", "--name", "fork-fails", "--max-restarts", "100", "--min-uptime", `${MIN_UPTIME_MS}ms`, ...user], { node, cwd: dir, cli });
  const port = await corral.ready(2);
  const socket = join(corral.home, "fork-fails.sock");
  const [victim, survivor] = await readyPids(socket);
  const moved = `${node}.moved`;
  // The primary's soft fd limit lowered to what it has open: the fork's pipes fail with EMFILE (and so
  // does accepting connections, so the app port is not asked meanwhile).
  const softLimit = (pid: number, limit: number | string) => execFileSync("prlimit", ["--pid", String(pid), `--nofile=${limit}:`]);
  const openFds = () => readdirSync(`/proc/${corral.pid}/fd`).length;
  const originalSoft = readFileSync(`/proc/${corral.pid}/limits`, "utf8").match(/^Max open files\s+(\d+|unlimited)/m)![1]!;
  const failures: Array<[string, () => void, () => void, boolean]> = [
    ["ENOENT", () => renameSync(node, moved), () => renameSync(moved, node), true],
    // A symlink to itself: execve fails with ELOOP, which node throws from cluster.fork (in the restart timer).
    ["ELOOP", () => { renameSync(node, moved); symlinkSync("node", node); }, () => { rmSync(node); renameSync(moved, node); }, true],
    ["EMFILE", () => softLimit(corral.pid, openFds() + 1), () => softLimit(corral.pid, originalSoft), false],
  ];
  if (isRoot) failures.push(["EACCES", () => chmodSync(dir, 0o700), () => chmodSync(dir, 0o755), true]);

  const from = mark(corral);
  let lastPid = victim!;
  for (const [code, breakFork, repair, serves] of failures) {
    // Killed sooner (a fast machine readies a worker in ~70 ms), the worker would extend the streak and
    // each phase would wait out a doubled backoff: 14.6 s by the fourth.
    await waitFor(async () => ((await controlStatus(socket)).workers.find((w) => w.pid === lastPid)?.uptimeMs ?? 0) >= MIN_UPTIME_MS,
      `worker ${lastPid} to be up --min-uptime`, 10_000);
    const before = mark(corral);
    breakFork();
    try {
      process.kill(lastPid, "SIGKILL");
      await waitFor(() => since(corral, before).match(new RegExp(`could not be started: .*${code}`)), `a fork failing with ${code}\n${corral.output}`, 15_000);
      // Backoff, not a fork loop: the slot is waiting to try again, and the primary still serves.
      await waitFor(() => /restarting worker \d in \d+ ms/.test(since(corral, before)), "a restart to be scheduled", 5_000);
      assert.ok(isAlive(corral.pid), `the primary died on ${code}\n${corral.output}`);
      if (serves) assert.equal((await request(port)).status, 200);
    } finally {
      repair();
    }
    const ready = await waitFor(async () => (await readyPids(socket)).find((pid) => pid !== survivor), `the slot to refill after ${code}\n${corral.output}`, 20_000);
    lastPid = ready;
  }
  assert.deepEqual((await readyPids(socket)).includes(survivor!), true, "the other worker was never disturbed");
  assert.doesNotMatch(since(corral, from), /Unhandled 'error' event|unexpected error/);
  await corral.stop();
});

test("a fork that always throws (an environment over the kernel's limit) ends in the start failure report, not a crash", async () => {
  const dir = tempDir("corral-e2big-");
  // One variable over MAX_ARG_STRLEN (128 KiB): execve fails with E2BIG, which node throws.
  writeFileSync(join(dir, "corral.config.json"), JSON.stringify({ env: { HUGE: "x".repeat(200_000) } }));
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "1", "--name", "e2big", "--max-restarts", "2"], { cwd: dir });
  const { code } = await corral.exit(30_000);
  assert.equal(code, 1, corral.output);
  assert.match(corral.output, /worker 1 \(pid 0\) could not be started: spawn E2BIG/);
  assert.match(corral.output, /giving up on it/);
  assert.doesNotMatch(corral.output, /unexpected error/);
});
