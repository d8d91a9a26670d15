// The dashboard in a real browser (Debian's chromium driven by playwright-core): every worker has a card,
// and the cards follow a worker that is killed and replaced.
// CORRAL_SCREENSHOT=1 also puts load on the app and saves docs/dashboard.png (and -dark) for the README.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startWithAdmin } from "../helpers/admin.js";
import { ROOT, fixture, request } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

interface Card {
  id: number;
  pid: number;
  state: string;
}

const cards = (page: Page): Promise<Card[]> =>
  page.$$eval("[data-worker-id]", (els) =>
    els.map((el) => {
      const d = (el as HTMLElement).dataset;
      return { id: Number(d.workerId), pid: Number(d.pid), state: String(d.state) };
    }),
  );

/** Keeps `concurrency` requests going against the app until `stop` is set. */
function load(port: number, concurrency: number, stop: { done: boolean }): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const one = async (i: number): Promise<void> => {
    for (let n = 0; !stop.done; n++) {
      const path = n % 10 === 0 ? `/slow?ms=${20 + ((n * 7 + i) % 60)}` : "/";
      await request(port, path, { agent }).catch(() => {});
      // A steady few hundred requests/s: enough for the charts, gentle on a shared machine.
      await new Promise((resolve) => setTimeout(resolve, 8));
    }
  };
  return Promise.all(Array.from({ length: concurrency }, (_, i) => one(i))).then(() => agent.destroy());
}

test("the dashboard shows every worker and follows one that is killed and replaced", async (t) => {
  const executablePath = requireTool(t, "chromium");
  if (!executablePath) return;
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 3, name: "dashboard" });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${adminPort}/`, { waitUntil: "load", timeout: 30_000 });

    await page.waitForFunction(() => document.querySelectorAll("[data-worker-id]").length === 3, null, { timeout: 20_000 });
    const status = JSON.parse((await request(adminPort, "/status")).body) as { workers: Card[] };
    await page.waitForFunction(
      (pids) => pids.every((pid) => document.querySelector(`[data-worker-id][data-pid="${pid}"][data-state="ready"]`)),
      status.workers.map((w) => w.pid),
      { timeout: 20_000 },
    );
    const before = await cards(page);
    assert.deepEqual(before.map((c) => c.id).sort(), [1, 2, 3]);
    assert.deepEqual(before.map((c) => c.pid).sort(), status.workers.map((w) => w.pid).sort());
    assert.equal(await page.textContent("#supervisor-name"), "dashboard");
    assert.equal(await page.isVisible("#reload-button"), true, "loopback without a token: reload and scale are offered");

    const victim = before.find((c) => c.id === 1)!;
    process.kill(victim.pid, "SIGKILL");
    await page.waitForFunction(
      (old) => {
        const card = document.querySelector('[data-worker-id="1"]') as HTMLElement | null;
        return card !== null && card.dataset.pid !== String(old) && card.dataset.pid !== "0" && card.dataset.state === "ready";
      },
      victim.pid,
      { timeout: 20_000 },
    );
    const after = await cards(page);
    assert.equal(after.length, 3);
    assert.notEqual(after.find((c) => c.id === 1)!.pid, victim.pid);
    assert.deepEqual(
      after.filter((c) => c.id !== 1).map((c) => c.pid).sort(),
      before.filter((c) => c.id !== 1).map((c) => c.pid).sort(),
      "the other workers kept their processes",
    );
    const log = await page.textContent("#event-log");
    assert.match(log ?? "", new RegExp(`pid ${victim.pid}`), "the event log reports the kill");
    assert.deepEqual(problems, [], "no script errors or CSP violations");

    if (process.env.CORRAL_SCREENSHOT === "1") {
      const stop = { done: false };
      const traffic = load(appPort, 4, stop);
      await new Promise((resolve) => setTimeout(resolve, 40_000));
      mkdirSync(join(ROOT, "docs"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "docs/dashboard.png"), fullPage: true });
      await page.emulateMedia({ colorScheme: "dark" });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await page.screenshot({ path: join(ROOT, "docs/dashboard-dark.png"), fullPage: true });
      stop.done = true;
      await traffic;
    }
  } finally {
    await browser?.close();
  }
  await corral.stop();
});

test("with a token: the browser signs in through the form, then sees the workers and can scale", async (t) => {
  const executablePath = requireTool(t, "chromium");
  if (!executablePath) return;
  const token = "browser-token-0123456789";
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 2, name: "dashtoken", args: ["--admin-token", token] });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${adminPort}/`, { timeout: 30_000 });
    assert.equal(await page.locator("[data-worker-id]").count(), 0, "nothing shown before signing in");
    await page.fill('input[name="token"]', "wrong");
    await page.click('button[type="submit"]');
    await page.waitForSelector("p.error", { timeout: 10_000 });
    await page.fill('input[name="token"]', token);
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-worker-id][data-state="ready"]').length === 2, null, { timeout: 20_000 });
    assert.equal(page.url(), `http://127.0.0.1:${adminPort}/`, "the token is not left in the address bar");
    await page.waitForSelector("#reload-button", { state: "visible", timeout: 10_000 });
    await page.fill("#scale-input", "3");
    await page.click("#scale-button");
    await page.waitForFunction(() => document.querySelectorAll('[data-worker-id][data-state="ready"]').length === 3, null, { timeout: 30_000 });
    assert.deepEqual(problems, []);
  } finally {
    await browser?.close();
  }
  await corral.stop();
});
