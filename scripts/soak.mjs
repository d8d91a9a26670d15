#!/usr/bin/env node
// The soak behind `npm run soak` (not part of `npm test`): a corral under mixed load for a long
// while, with everything an operator and a bad day do to it, to find what only time shows —
// a leak in the primary, a connection lost in a rare interleaving.
//
//   npm run soak                          10 minutes
//   npm run soak -- --minutes 2           a short try (the leak check needs 4 minutes or more)
//   npm run soak -- --workers 2 --seconds 90
//
// Load (loopback only): keep-alive clients, connection-per-request clients and slow requests
// (0.2-2 s), each client one request at a time, no retries. Against it: a rolling reload every
// 30 s, a SIGKILLed worker every 10 s, and a scale from 2 to 4 workers and back every 2 minutes
// (4 in odd minutes, 2 in even ones). Once a minute it prints the primary's RSS and open fds
// (/proc/PID), the hand-offs the workers have not acknowledged and the connections waiting in
// the primary's queue (corral status over the control socket), and the minute's requests.
//
// It fails (exit 1) when:
// - a request failed other than one on a connection a SIGKILLed worker held: a keep-alive
//   connection last answered by that worker, or a request in flight when a worker was killed
//   (the primary cannot know which; a reload or a scale must lose nothing);
// - a reload or scale failed, or corral did not exit 0 on SIGTERM at the end;
// - the last minute's fd count or RSS exceeds the second minute's by more than 10 % (a leak).
//   Minutes 2 and 10 both run 4 workers (in a run of an odd number of minutes, the last even
//   minute is compared); the fd count is the lowest of a few reads, so hand-offs in flight at
//   that instant do not count.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli/main.js");
const APP = join(ROOT, "test/fixtures/hello.cjs");

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string" },
    seconds: { type: "string" },
    "keep-alive": { type: "string", default: "4" },
    fresh: { type: "string", default: "2" },
    slow: { type: "string", default: "2" },
  },
});
const durationMs = flags.seconds !== undefined ? Number(flags.seconds) * 1000 : Number(flags.minutes ?? 10) * 60_000;
if (!(durationMs >= 10_000)) {
  console.error("soak: --minutes/--seconds must give at least 10 seconds");
  process.exit(2);
}
const KILL_EVERY_MS = 10_000;
const RELOAD_EVERY_MS = 30_000;
const SCALE_EVERY_MS = 60_000; // up at odd minutes, down at even ones: 2 → 4 → 2 every 2 minutes
const LEAK_LIMIT = 1.1;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const elapsed = () => Date.now() - started;
const clock = (ms = elapsed()) => `${String(Math.floor(ms / 60_000)).padStart(2, "0")}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}`;
const log = (line) => console.log(`[soak ${clock()}] ${line}`);

// ---- corral -------------------------------------------------------------------
const home = mkdtempSync(join(tmpdir(), "corral-soak-"));
const name = `soak-${process.pid}`;
const socketPath = join(home, `${name}.sock`);
const corral = spawn(process.execPath, [CLI, "start", APP, "--name", name, "--workers", "2", "--min-uptime", "1s", "--max-restarts", "1000"], {
  env: { ...process.env, CORRAL_HOME: home },
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
let output = "";
const keep = (chunk) => {
  output += chunk;
  if (output.length > 1_000_000) output = output.slice(-500_000); // a soak's log is long: keep the tail
};
corral.stdout.setEncoding("utf8").on("data", keep);
corral.stderr.setEncoding("utf8").on("data", keep);
const exited = new Promise((resolve) => corral.on("exit", (code, signal) => resolve({ code, signal })));
let cleanedUp = false;
function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  try {
    process.kill(-corral.pid, "SIGKILL");
  } catch {
    // already gone
  }
  rmSync(home, { recursive: true, force: true });
}
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}\n${output.slice(-3000)}`);
    await sleep(50);
  }
}

function control(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode, json: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode, json: null, text });
        }
      });
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`control ${method} ${path}: no answer in 120 s`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function status() {
  const reply = await control("GET", "/status");
  if (reply.status !== 200) throw new Error(`GET /status: HTTP ${reply.status}`);
  return reply.json.status;
}

const port = Number((await waitFor(() => output.match(/listening (\d+)/), "the app to listen", 30_000))[1]);
await waitFor(async () => (await status().catch(() => null))?.workersReady === 2, "2 workers ready", 30_000);
const primary = (await status()).pid;
log(`corral (primary pid ${primary}) serves ${APP} on 127.0.0.1:${port}; ${clock(durationMs)} of soak`);

// ---- load ---------------------------------------------------------------------
const kPid = Symbol("soak.pid");
/** Every SIGKILL: which worker, when. */
const kills = [];
const killedPids = new Set();
const totals = { ok: 0, excused: 0, failed: 0 };
let minute = { ok: 0, excused: 0, failed: 0 };
const failures = [];
let running = true;

function classify(error, agent, socket, startedAt) {
  const endedAt = Date.now();
  const reset = /ECONNRESET|socket hang up|EPIPE/.test(`${error.code ?? ""} ${error.message}`);
  const ownConnection =
    reset &&
    ((agent && socket?.[kPid] !== undefined && killedPids.has(socket[kPid])) || kills.some((k) => k.at >= startedAt - 50 && k.at <= endedAt));
  if (ownConnection) {
    totals.excused++;
    minute.excused++;
  } else {
    totals.failed++;
    minute.failed++;
    if (failures.length < 50) failures.push(`${clock()} ${agent ? "keep-alive" : "new connection"}: ${error.message}`);
  }
}

function once(path, agent) {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    let socket = null;
    const req = http.get({ host: "127.0.0.1", port, path, agent, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      res.on("error", (error) => resolve(classify(error, agent, socket, startedAt)));
      res.on("end", () => {
        if (res.statusCode !== 200) {
          classify(new Error(`HTTP ${res.statusCode}`), agent, socket, startedAt);
          return resolve();
        }
        try {
          if (socket) socket[kPid] = JSON.parse(body).pid;
        } catch {
          // not JSON: still an answer
        }
        totals.ok++;
        minute.ok++;
        resolve();
      });
    });
    req.on("socket", (s) => (socket = s));
    req.on("timeout", () => req.destroy(new Error("timed out after 30 s")));
    req.on("error", (error) => resolve(classify(error, agent, socket, startedAt)));
  });
}

async function client(kind) {
  const agent = kind === "fresh" ? false : new http.Agent({ keepAlive: true, maxSockets: 1 });
  let n = 0;
  while (running) {
    const path = kind === "slow" ? `/slow?ms=${200 + ((n++ * 617) % 1800)}` : "/";
    await once(path, agent);
    await sleep(kind === "slow" ? 50 : 2); // leave CPU to the processes under test on a small machine
  }
  if (agent) agent.destroy();
}

const clients = [
  ...Array.from({ length: Number(flags["keep-alive"]) }, () => client("keep-alive")),
  ...Array.from({ length: Number(flags.fresh) }, () => client("fresh")),
  ...Array.from({ length: Number(flags.slow) }, () => client("slow")),
];

// ---- what the primary holds ----------------------------------------------------
function rssBytes(pid) {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return match ? Number(match[1]) * 1024 : NaN;
}

async function fdCount(pid) {
  // The lowest of a few reads: a connection being handed off holds an fd for a moment.
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    lowest = Math.min(lowest, readdirSync(`/proc/${pid}/fd`).length);
    await sleep(20);
  }
  return lowest;
}

const rows = [];
async function sample(index) {
  const s = await status();
  const row = {
    minute: index,
    rssMb: rssBytes(primary) / 1048576,
    fds: await fdCount(primary),
    pending: s.workers.reduce((sum, w) => sum + (w.pendingHandoffs ?? 0), 0),
    queued: s.queued,
    workers: `${s.workersReady}/${s.workersDesired}`,
    ok: minute.ok,
    excused: minute.excused,
    failed: minute.failed,
  };
  minute = { ok: 0, excused: 0, failed: 0 };
  rows.push(row);
  console.log(formatRow(row));
}

const HEADER = "minute  rss MB   fds  pending  queued  ready  requests ok  killed-worker losses  other failures";
const formatRow = (r) =>
  `${String(r.minute).padStart(6)}  ${r.rssMb.toFixed(1).padStart(6)}  ${String(r.fds).padStart(4)}  ${String(r.pending).padStart(7)}  ${String(r.queued).padStart(6)}  ${r.workers.padStart(5)}  ${String(r.ok).padStart(11)}  ${String(r.excused).padStart(20)}  ${String(r.failed).padStart(15)}`;

// ---- the schedule: one operation at a time, every 10 s ---------------------------
const problems = [];
let reloads = 0;
let scales = 0;

async function operate(path, body, what) {
  const reply = await control("POST", path, body).catch((error) => ({ status: 0, text: error.message }));
  if (reply.status !== 200) {
    problems.push(`${clock()} ${what} failed: HTTP ${reply.status} ${reply.text ?? JSON.stringify(reply.json)}`);
    log(`${what} FAILED (HTTP ${reply.status})`);
  }
}

async function killOne() {
  const s = await status();
  const ready = s.workers.filter((w) => w.state === "ready" && w.slotState === "running");
  const victim = ready[Math.floor(Math.random() * ready.length)];
  if (!victim) return log("no ready worker to kill this time");
  killedPids.add(victim.pid);
  kills.push({ pid: victim.pid, at: Date.now() });
  try {
    process.kill(victim.pid, "SIGKILL");
  } catch {
    // exited meanwhile
  }
}

console.log(HEADER);
for (let tick = 1; tick * KILL_EVERY_MS <= durationMs; tick++) {
  await sleep(Math.max(0, tick * KILL_EVERY_MS - elapsed()));
  const at = tick * KILL_EVERY_MS;
  if (at % 60_000 === 0) await sample(at / 60_000);
  if (at % SCALE_EVERY_MS === 0 && at < durationMs) {
    const to = (at / SCALE_EVERY_MS) % 2 === 1 ? 4 : 2;
    await operate("/scale", { workers: to }, `scale to ${to}`);
    scales++;
  }
  if (at % RELOAD_EVERY_MS === 0 && at < durationMs) {
    await operate("/reload", undefined, "reload");
    reloads++;
  }
  if (at < durationMs) await killOne();
}

// ---- the end ----------------------------------------------------------------------
running = false;
await Promise.all(clients);
corral.kill("SIGTERM");
const { code, signal } = await Promise.race([exited, sleep(60_000).then(() => ({ code: null, signal: "timeout" }))]);
if (code !== 0) problems.push(`corral exited ${code ?? signal} on SIGTERM, not 0:\n${output.slice(-2000)}`);
const restarts = (output.match(/exited with signal SIGKILL/g) ?? []).length;

console.log(`\nsoak: ${clock(durationMs)} on Node ${process.versions.node}; ${kills.length} SIGKILLs, ${reloads} reloads, ${scales} scales`);
console.log(`requests: ${totals.ok} ok, ${totals.excused} lost with a killed worker's connections, ${totals.failed} other failures`);
console.log(`primary's log: ${restarts} worker exits by SIGKILL reported`);
for (const failure of failures.slice(0, 20)) console.log(`  failure: ${failure}`);
if (totals.failed > 0) problems.push(`${totals.failed} requests failed beyond the killed workers' own connections`);

// Even minutes run 4 workers, odd ones 2: the second minute is compared with the last even one
// (the last minute itself in a run of an even number of minutes, such as the default 10).
const second = rows.find((r) => r.minute === 2);
const last = rows.filter((r) => r.minute % 2 === 0).at(-1);
if (second && last && last.minute > 2) {
  for (const [label, key, unit] of [["fd count", "fds", ""], ["RSS", "rssMb", " MB"]]) {
    const growth = last[key] / second[key];
    const show = (row) => `${key === "fds" ? row[key] : row[key].toFixed(1)}${unit}`;
    console.log(`${label}: minute 2 ${show(second)} → minute ${last.minute} ${show(last)} (${growth >= 1 ? "+" : ""}${((growth - 1) * 100).toFixed(1)} %)`);
    if (growth > LEAK_LIMIT) problems.push(`${label} grew ${((growth - 1) * 100).toFixed(1)} % from minute 2 to minute ${last.minute} (limit ${((LEAK_LIMIT - 1) * 100).toFixed(0)} %): a leak?`);
  }
} else {
  console.log("leak check: skipped (it compares the second minute with the last even one: run 4 minutes or more)");
}

if (problems.length > 0) {
  console.error(`\nsoak FAILED:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("\nsoak passed");
process.exit(0);
