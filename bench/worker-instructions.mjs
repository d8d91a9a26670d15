#!/usr/bin/env node
// What does a corral worker execute per keep-alive request, next to a node:cluster worker?
// Counted, not timed: each server runs under valgrind's callgrind, which counts the instructions
// (Ir) a process executes in user space, whatever else the machine is doing. On a shared VM the
// req/s of one worker drift ±15 % from one second to the next (bench/keepalive-parity.mjs measures
// that noise with an A/A control), far more than the 1 % this has to resolve; an instruction count
// does not drift. What it leaves out is the kernel's part (the same syscalls for both: the
// worker's per-request work in the kernel is the socket read and writev) and cache effects.
//
// For each contender: start it under callgrind (--trace-children follows the worker), warm it up
// with wrk, zero the worker's counters, let it idle (the per-second work: heartbeat, timers), then
// zero again, load it for --duration seconds, and divide. The idle count is subtracted from the
// loaded one in proportion to time, so that a worker slowed 50× by valgrind does not charge its
// once-a-second work to 50× fewer requests.
//
//   node bench/worker-instructions.mjs [--reps 2] [--duration 20] [--node PATH ...] [--out FILE]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "./lib/free-port.mjs";
import { median } from "./lib/report.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "2" },
    duration: { type: "string", default: "15" },
    idle: { type: "string", default: "10" },
    warmup: { type: "string", default: "45" },
    connections: { type: "string", default: "32" },
    node: { type: "string", multiple: true, default: [process.execPath] },
    out: { type: "string", default: join(root, "bench/results/worker-instructions-latest.md") },
  },
});
const reps = Number(values.reps);
for (const tool of ["valgrind", "callgrind_control", "wrk"]) {
  if (spawnSync(tool, ["--version"]).error) throw new Error(`${tool} is not installed (apt-get install valgrind wrk)`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function get(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? Number(res.headers["x-pid"]) : null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

function wrk(port, seconds) {
  const out = execFileSync("taskset", ["-c", "1", "wrk", "-t1", `-c${values.connections}`, `-d${seconds}s`, "--timeout", "30s",
    "-s", join(root, "bench/lib/wrk-report.lua"), `http://127.0.0.1:${port}/`], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop());
  const errors = r.connect + r.read + r.write + r.timeout + r.status;
  if (errors > 0) throw new Error(`wrk saw ${errors} errors`);
  return r.requests;
}

/** Zeroes (-z) or dumps (-d) a callgrind process's counters; a dump writes <out>.<pid>.<n>. */
function control(flag, pid) {
  execFileSync("callgrind_control", [flag, String(pid)], { stdio: "ignore" });
}

/** The Ir total of the newest dump of `pid` in `dir` (waits for callgrind to write it). */
async function lastDump(dir, pid, count) {
  const name = `cg.${pid}.${count}`;
  for (let i = 0; i < 200; i++) {
    try {
      const totals = /^totals: (\d+)/m.exec(readFileSync(join(dir, name), "utf8"));
      if (totals) return Number(totals[1]);
    } catch { /* not written yet */ }
    await sleep(100);
  }
  throw new Error(`callgrind wrote no ${name}`);
}

async function measure(kind, node) {
  const dir = mkdtempSync(join(tmpdir(), "bench-cg-"));
  const port = await freePort();
  const args = kind === "cluster"
    ? [join(root, "bench/apps/cluster-recipe.cjs")]
    : [join(root, "dist/cli/main.js"), "start", join(root, "bench/apps/app.cjs"), "--workers", "1", "--name", "cg", "--listen-timeout", "120s", "--hang-timeout", "120s"];
  const child = spawn("taskset", ["-c", "0", "valgrind", "--tool=callgrind", "--trace-children=yes", "--smc-check=all-non-file",
    `--callgrind-out-file=${join(dir, "cg.%p")}`, node, ...args], {
    env: { ...process.env, PORT: String(port), WORKERS: "1", CORRAL_HOME: dir }, stdio: "ignore", detached: true,
  });
  try {
    let workerPid = null;
    for (let i = 0; i < 600 && !workerPid; i++) {
      workerPid = await get(port);
      if (!workerPid) await sleep(500);
    }
    if (!workerPid) throw new Error(`${kind} did not answer within 300 s`);
    wrk(port, Number(values.warmup));
    control("-z", workerPid);
    await sleep(Number(values.idle) * 1000);
    control("-d", workerPid);
    const idleIr = await lastDump(dir, workerPid, 1);
    control("-z", workerPid);
    const began = performance.now();
    const requests = wrk(port, Number(values.duration));
    const seconds = (performance.now() - began) / 1000;
    control("-d", workerPid);
    const loadedIr = await lastDump(dir, workerPid, 2);
    const idlePerSecond = idleIr / Number(values.idle);
    return {
      requests,
      perRequest: (loadedIr - idlePerSecond * seconds) / requests,
      rawPerRequest: loadedIr / requests,
      idlePerSecond,
    };
  } finally {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch { /* gone */ }
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const node of values.node) {
  const version = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
  const got = { cluster: [], corral: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of rep % 2 === 0 ? ["cluster", "corral"] : ["corral", "cluster"]) {
      const r = await measure(kind, node);
      got[kind].push(r);
      console.log(`node ${version} ${kind}: ${Math.round(r.perRequest)} instructions/request (${Math.round(r.rawPerRequest)} with the ` +
        `time-based work), idle ${(r.idlePerSecond / 1e6).toFixed(2)} M/s, ${r.requests} requests`);
    }
  }
  rows.push({ version, got });
}

const lines = [
  `# Worker instructions per keep-alive request, ${new Date().toISOString().slice(0, 10)}`,
  "",
  "- One worker each (bench/apps/app.cjs, plain node:http hello world), under valgrind's callgrind (`--trace-children`), " +
    `wrk -t1 -c${values.connections}; ${values.warmup} s of warm-up, ${values.idle} s idle, ${values.duration} s of load, ${reps} runs each, medians`,
  "- instructions/request: the worker's user-space instructions (all its threads) during the load, less its idle rate × the load's length;" +
    " idle: what the worker executes per second with no request (corral's heartbeat and event-loop-delay timer; node's own timers)",
  "- Command: `node bench/worker-instructions.mjs " + process.argv.slice(2).join(" ") + "`",
  "",
  "| Node | node:cluster instr/request | corral instr/request | corral ÷ node:cluster | node:cluster idle instr/s | corral idle instr/s |",
  "|---|---:|---:|---:|---:|---:|",
];
for (const { version, got } of rows) {
  const med = (kind, key) => median(got[kind].map((r) => r[key]));
  lines.push(`| ${version} | ${Math.round(med("cluster", "perRequest")).toLocaleString("en")} | ${Math.round(med("corral", "perRequest")).toLocaleString("en")} | ` +
    `${(med("corral", "perRequest") / med("cluster", "perRequest")).toFixed(3)} | ${Math.round(med("cluster", "idlePerSecond")).toLocaleString("en")} | ` +
    `${Math.round(med("corral", "idlePerSecond")).toLocaleString("en")} |`);
}
lines.push("", "Runs (instructions/request):", "");
for (const { version, got } of rows) {
  lines.push(`- Node ${version}: node:cluster ${got.cluster.map((r) => Math.round(r.perRequest)).join(", ")}; corral ${got.corral.map((r) => Math.round(r.perRequest)).join(", ")}`);
}
writeFileSync(values.out, `${lines.join("\n")}\n`);
console.log(`\n${lines.join("\n")}\nwritten to ${values.out}`);
