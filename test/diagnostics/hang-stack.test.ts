// The stack of a hung worker: before the watchdog kills a worker that stopped sending heartbeats,
// corral opens its inspector (SIGUSR1, on the loopback port the runtime preset) and pauses it;
// the log, the worker-hung event and /status name the function it was stuck in, with file:line.
// A SIGSTOPped worker shows no stack and is killed on time anyway; a root worker's inspector is never opened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { openEvents, startWithAdmin } from "../helpers/admin.js";
import { controlStatus, readyPids } from "../helpers/control-socket.js";
import { fixture, isAlive, request, waitFor } from "../helpers/corral.js";
import { mark, since } from "../helpers/output-mark.js";
import { readableInstall } from "../helpers/other-user.js";
import { requireTool } from "../helpers/tools.js";

const HANG_TIMEOUT_MS = 2_000;
const APP = fixture("diagnose-app.cjs");
/** Where spinForever's loop is in the fixture (its comment says SPIN_LINE). */
const SPIN_LINE = 11;

test("a worker spinning in spinForever(): the log, the worker-hung event and /status show spinForever at its file:line; replaced on time", async () => {
  // Workers as nobody: a root worker's inspector is never opened (the next test).
  const install = readableInstall();
  const app = install.add(APP);
  const { corral, appPort, adminPort, socket } = await startWithAdmin(app, {
    workers: 2, name: "hang-stack", args: ["--hang-timeout", `${HANG_TIMEOUT_MS}ms`, "--user", "nobody"], run: install.run,
  });
  try {
    const events = await openEvents(adminPort);
    const offset = mark(corral);
    void request(appPort, "/spin").catch(() => {});
    await corral.waitForOutput(/spinning/);
    const spinAt = Date.now();
    const hung = await events.next((e) => e.event === "worker-hung", "the worker-hung event", 15_000);
    const frame = new RegExp(`spinForever \\(${app.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:${SPIN_LINE}:\\d+\\)`);
    assert.ok(Array.isArray(hung.data.stack), `a stack in the event: ${JSON.stringify(hung.data)}`);
    assert.match(hung.data.stack[0], frame, JSON.stringify(hung.data.stack));
    assert.equal(hung.data.stackError, null);
    assert.match(since(corral, offset), new RegExp(`worker ${hung.data.id} \\(pid ${hung.data.pid}\\) hung: no heartbeat for \\d+ ms .*its JavaScript stack:\\n.*    at ${frame.source}`));
    const fork = await events.next((e) => e.event === "worker-fork" && e.data.id === hung.data.id, "the replacement's fork", 10_000);
    const forkMs = fork.data.time - spinAt;
    assert.ok(forkMs <= HANG_TIMEOUT_MS + 2_000, `replacement forked ${forkMs} ms after the worker began to spin (limit ${HANG_TIMEOUT_MS + 2_000} ms)`);
    await waitFor(() => !isAlive(hung.data.pid), "the hung worker to be gone", 5_000);
    await waitFor(async () => (await readyPids(socket)).length === 2, "the slot to refill", 15_000);
    const status = await controlStatus(socket);
    assert.equal(status.diagnostics.lastHang?.pid, hung.data.pid);
    assert.match(status.diagnostics.lastHang?.stack?.[0] ?? "", frame);
    console.log(`# spinForever → stack taken and worker replaced: fork ${forkMs} ms after the spin began (hang-timeout ${HANG_TIMEOUT_MS} ms)`);
    events.close();
    await corral.stop();
  } finally {
    corral.kill();
  }
});

test("a root worker that hangs: its inspector is never opened ('no stack': runs as root), killed and replaced on time", async () => {
  if (process.getuid?.() !== 0) return; // only a root supervisor has root workers
  const { corral, appPort, adminPort, socket } = await startWithAdmin(APP, { workers: 2, name: "hang-stack-root", args: ["--hang-timeout", `${HANG_TIMEOUT_MS}ms`] });
  try {
    const events = await openEvents(adminPort);
    void request(appPort, "/spin").catch(() => {});
    await corral.waitForOutput(/spinning/);
    const spinAt = Date.now();
    const hung = await events.next((e) => e.event === "worker-hung", "the worker-hung event", 15_000);
    assert.equal(hung.data.stack, null, `no stack from a root worker: ${JSON.stringify(hung.data)}`);
    assert.match(hung.data.stackError, /^no stack: the worker runs as root/);
    assert.doesNotMatch(corral.output, /Debugger listening/, "the worker's inspector never opened");
    const fork = await events.next((e) => e.event === "worker-fork" && e.data.id === hung.data.id, "the replacement's fork", 10_000);
    assert.ok(fork.data.time - spinAt <= HANG_TIMEOUT_MS + 2_000, `replacement forked ${fork.data.time - spinAt} ms after the spin began`);
    await waitFor(async () => (await readyPids(socket)).length === 2, "the slot to refill", 15_000);
    events.close();
    await corral.stop();
  } finally {
    corral.kill();
  }
});

test("a SIGSTOPped worker: 'no stack' with the reason, killed and replaced on time", async () => {
  const { corral, adminPort, socket } = await startWithAdmin(APP, { workers: 2, name: "hang-stack-stop", args: ["--hang-timeout", `${HANG_TIMEOUT_MS}ms`] });
  try {
    const events = await openEvents(adminPort);
    const [victim] = await readyPids(socket);
    process.kill(victim!, "SIGSTOP");
    const stoppedAt = Date.now();
    const hung = await events.next((e) => e.event === "worker-hung", "the worker-hung event", 15_000);
    assert.equal(hung.data.pid, victim);
    assert.equal(hung.data.stack, null);
    assert.match(hung.data.stackError, /^no stack: .*stopped/);
    await corral.waitForOutput(new RegExp(`worker \\d \\(pid ${victim}\\) hung: no heartbeat for \\d+ ms .*; no stack: `));
    const fork = await events.next((e) => e.event === "worker-fork" && e.data.id === hung.data.id, "the replacement's fork", 10_000);
    const forkMs = fork.data.time - stoppedAt;
    assert.ok(forkMs <= HANG_TIMEOUT_MS + 2_000, `replacement forked ${forkMs} ms after SIGSTOP (limit ${HANG_TIMEOUT_MS + 2_000} ms)`);
    await waitFor(() => !isAlive(victim!), "the stopped worker to be gone", 5_000);
    console.log(`# SIGSTOP → no stack, replacement forked ${forkMs} ms after the stop`);
    events.close();
    await corral.stop();
  } finally {
    corral.kill();
  }
});

test("the dashboard shows the last hung worker's stack, and the event names where it hung", async (t) => {
  const executablePath = requireTool(t, "chromium");
  if (!executablePath) return;
  const install = readableInstall(); // workers as nobody: a root worker shows no stack
  const { corral, appPort, adminPort } = await startWithAdmin(install.add(APP), {
    workers: 1, name: "hang-stack-dashboard", args: ["--hang-timeout", `${HANG_TIMEOUT_MS}ms`, "--user", "nobody"], run: install.run,
  });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"], headless: true, timeout: 60_000 });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${adminPort}/`, { waitUntil: "load", timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-worker-id="1"][data-state="ready"]'), null, { timeout: 20_000 });
    assert.equal(await page.isVisible("#hang-card"), false, "no hang yet: no stack card");
    void request(appPort, "/spin").catch(() => {});
    await page.waitForFunction(() => !(document.getElementById("hang-card") as HTMLElement).hidden, null, { timeout: 20_000 });
    const stack = (await page.textContent("#hang-stack")) ?? "";
    assert.match(stack, /hung: no heartbeat for \d+ ms/);
    assert.match(stack, new RegExp(`at spinForever \\(.*diagnose-app\\.cjs:${SPIN_LINE}:\\d+\\)`));
    await page.waitForFunction(() => /hung in spinForever/.test(document.getElementById("event-log")?.textContent ?? ""), null, { timeout: 10_000 });
    assert.deepEqual(problems, []);
    await corral.stop();
  } finally {
    await browser?.close();
    corral.kill();
  }
});
