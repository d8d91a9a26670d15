#!/usr/bin/env node
// Measures the supervisor's own targets from DESIGN.md on this machine:
//   - worker replacement: SIGKILL a worker → its replacement ready (from corral's log), vs the app's own start time;
//   - primary RSS (VmRSS) and idle CPU % of the primary over a quiet interval.
// Usage: node bench/supervisor.mjs [--kills 10] [--idle 10] [--node /path/to/node]
// Prints a small markdown table; nothing else may run on the machine meanwhile.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { kills: { type: "string", default: "10" }, idle: { type: "string", default: "10" }, node: { type: "string", default: process.execPath } },
});
const app = join(root, "test/fixtures/hello.cjs");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = check();
    if (v) return v;
    await sleep(5);
  }
  throw new Error(`timed out: ${what}`);
}

/** Time for the bare app to print "listening" (what any supervisor must wait for anyway). */
async function appStartMs() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const began = performance.now();
    const child = spawn(values.node, [app], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await until(() => out.includes("listening"), 10_000, "bare app start");
      times.push(performance.now() - began);
    } finally {
      child.kill("SIGKILL");
    }
  }
  return median(times);
}

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
}

function rssMb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
}

const bareMs = await appStartMs();
const corral = spawn(values.node, [join(root, "dist/cli/main.js"), "start", app, "-w", "2", "--name", `bench-sup-${process.pid}`,
  // Each kill here is a first crash (the worker outlived --min-uptime), so the restart delay is the ~100 ms base backoff.
  "--min-uptime", "200ms"], {
  // A private CORRAL_HOME: the measurement must not touch the user's control sockets.
  env: { ...process.env, PORT: "0", CORRAL_HOME: mkdtempSync(join(tmpdir(), "corral-bench-")) },
  stdio: ["ignore", "pipe", "inherit"],
});
let log = "";
corral.stdout.on("data", (d) => (log += d));
try {
  await until(() => (log.match(/ready in/g) ?? []).length >= 2, 15_000, "corral ready");
  const replaceMs = [];
  for (let i = 0; i < Number(values.kills); i++) {
    // The latest ready line per slot names its live worker.
    const live = new Map([...log.matchAll(/worker (\d+) \(pid (\d+)\) ready/g)].map((m) => [m[1], Number(m[2])]));
    const victim = [...live.values()][i % live.size];
    const readyBefore = (log.match(/ready in/g) ?? []).length;
    const began = performance.now();
    process.kill(victim, "SIGKILL");
    await until(() => (log.match(/ready in/g) ?? []).length > readyBefore, 10_000, "replacement ready");
    replaceMs.push(performance.now() - began);
    await sleep(300);
  }
  await sleep(2000); // let startup work settle before measuring idle
  const ticksPerSecond = 100;
  const before = cpuTicks(corral.pid);
  await sleep(Number(values.idle) * 1000);
  const idleCpu = ((cpuTicks(corral.pid) - before) / ticksPerSecond / Number(values.idle)) * 100;
  const rss = rssMb(corral.pid);
  const rows = [
    ["Node", process.versions.node],
    ["bare app start (spawn → listening), median of 5", `${bareMs.toFixed(0)} ms`],
    [`worker replacement (SIGKILL → replacement ready, incl. ~100 ms backoff), median of ${replaceMs.length}`, `${median(replaceMs).toFixed(0)} ms`],
    ["worker replacement, max", `${Math.max(...replaceMs).toFixed(0)} ms`],
    ["replacement minus bare app start (target < 300 ms)", `${(median(replaceMs) - bareMs).toFixed(0)} ms`],
    ["primary RSS with 2 workers (target < 60 MB)", `${rss.toFixed(1)} MB`],
    [`primary idle CPU over ${values.idle} s (target < 1 %)`, `${idleCpu.toFixed(2)} %`],
  ];
  console.log("| measure | value |\n|---|---|");
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
} finally {
  corral.kill("SIGTERM");
}
