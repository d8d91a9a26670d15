#!/usr/bin/env node
// Keep-alive parity per worker: does one corral worker serve what one node:cluster worker serves?
// One worker each, the server's processes pinned to core 0 and wrk (one thread) to core 1, so the
// two never compete for a core and the worker's own cost per request is what differs. Each round
// starts both contenders afresh (JIT and placement luck is per process), in the opposite order to
// the round before (ABBA), and measures req/s and the CPU each process spent per request.
//
//   node bench/keepalive-parity.mjs [--rounds 10] [--duration 5] [--warmup 2] [--connections 32]
//                                   [--node PATH ...] [--corral-env K=V ...] [--corral dist/cli/main.js] [--out FILE]
//
// Several --node flags measure each binary in turn and write one section per Node version.
// --corral-env passes a variable to corral's supervisor (and its workers), and --corral runs another
// build of corral (a copy of dist/ with a change), to measure what a change is worth.
// Nothing else may run on the machine meanwhile: the figures are only as quiet as it is.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "./lib/free-port.mjs";
import { median } from "./lib/report.mjs";
import { cpuMsOf, start } from "./lib/contenders.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    node: { type: "string", multiple: true, default: [process.execPath] },
    "corral-env": { type: "string", multiple: true, default: [] },
    corral: { type: "string", default: join(root, "dist/cli/main.js") },
    out: { type: "string", default: join(root, "bench/results/keepalive-parity-latest.md") },
  },
});
const rounds = Number(values.rounds);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const connections = Number(values.connections);
const extraEnv = Object.fromEntries(values["corral-env"].map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
if (os.availableParallelism() < 2) throw new Error("needs 2 cores: the server on one, wrk on the other");
if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed (apt-get install wrk)");

// "control" is node:cluster again: its ratio to "cluster" is the noise floor of this machine and
// method (an A/A test), which tells how far a corral ratio off 1.00 means anything.
const CONTENDERS = [
  { id: "cluster", label: "node:cluster", contender: { id: "cluster", kind: "cluster" } },
  { id: "corral", label: "corral round-robin", contender: { id: "parity", kind: "corral", balance: "round-robin" } },
  { id: "control", label: "node:cluster again", contender: { id: "cluster", kind: "cluster" } },
];
/** Round r's order: each contender takes each position equally often, forwards then backwards. */
function orderOf(round) {
  const rotated = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]);
  return Math.floor(round / CONTENDERS.length) % 2 === 0 ? rotated : rotated.reverse();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every pid in a process group (the primary's): the supervisor and its worker. */
function groupPids(pgid) {
  const out = execFileSync("ps", ["-o", "pid=", "-g", String(pgid)], { encoding: "utf8" });
  return out.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
}

/** wrk pinned to core 1; resolves to its JSON summary (bench/lib/wrk-report.lua). */
function wrk(port, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn("taskset", ["-c", "1", "wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s",
      "-s", join(root, "bench/lib/wrk-report.lua"), `http://127.0.0.1:${port}/`], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

async function measureOnce(entry, node) {
  const port = await freePort();
  const env = { ...process.env, ...(entry.id === "corral" ? extraEnv : {}) };
  const running = await start(entry.contender, { root, node, port, workers: 1, corralMain: values.corral, env });
  try {
    // The worker is whichever process of the group is not the primary.
    const pids = groupPids(running.primaryPid);
    for (const pid of pids) execFileSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
    const workerPid = pids.find((pid) => pid !== running.primaryPid);
    if (warmupS > 0) await wrk(port, warmupS);
    const before = { worker: cpuMsOf(workerPid), primary: cpuMsOf(running.primaryPid) };
    const r = await wrk(port, durationS);
    const after = { worker: cpuMsOf(workerPid), primary: cpuMsOf(running.primaryPid) };
    const errors = r.connect + r.read + r.write + r.timeout + r.status;
    return {
      reqPerSec: r.requests / (r.durationUs / 1e6),
      workerUsPerReq: ((after.worker - before.worker) * 1000) / r.requests,
      primaryUsPerReq: ((after.primary - before.primary) * 1000) / r.requests,
      p99Ms: r.p99Us / 1000,
      errors,
    };
  } finally {
    await running.stop();
  }
}

async function measureNode(node) {
  const version = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
  const results = { cluster: [], corral: [], control: [] };
  const ratios = [];
  const controls = [];
  const firsts = [];
  for (let round = 0; round < rounds; round++) {
    const order = orderOf(round);
    firsts.push(order[0].id);
    const got = {};
    for (const entry of order) {
      got[entry.id] = await measureOnce(entry, node);
      results[entry.id].push(got[entry.id]);
      await sleep(300);
    }
    ratios.push(got.corral.reqPerSec / got.cluster.reqPerSec);
    controls.push(got.control.reqPerSec / got.cluster.reqPerSec);
    console.log(`node ${version} round ${round + 1}/${rounds} (${order.map((e) => e.id).join(", ")}): ` +
      order.map((e) => `${e.id} ${Math.round(got[e.id].reqPerSec)} req/s ${got[e.id].workerUsPerReq.toFixed(2)} µs/req`).join(", ") +
      `; corral ÷ cluster ${ratios.at(-1).toFixed(3)}, control ÷ cluster ${controls.at(-1).toFixed(3)}`);
  }
  return { version, results, ratios, controls, firsts };
}

const sections = [];
for (const node of values.node) sections.push(await measureNode(node));

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const lines = [
  `# Keep-alive parity per worker, ${new Date().toISOString().slice(0, 10)}`,
  "",
  `- Machine: ${os.cpus().length} × ${cpu}, Linux ${os.release()}`,
  `- One worker each (bench/apps/app.cjs, plain node:http hello world); the server's processes pinned to core 0, ` +
    `wrk -t1 -c${connections} pinned to core 1; ${rounds} rounds × ${durationS} s after ${warmupS} s of warm-up, ` +
    "every contender started afresh each round, each in every position equally often",
  "- µs/req: CPU time (utime + stime, /proc) the process spent per request served; ratio: corral ÷ node:cluster req/s of the same round",
  ...(Object.keys(extraEnv).length ? [`- corral ran with ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(" ")}`] : []),
  "- Command: `node bench/keepalive-parity.mjs " + process.argv.slice(2).join(" ") + "`",
  "",
  "- control: node:cluster started a second time in the same round (an A/A test): its ratio is the noise of the method",
  "- req/s ratio by position: the median corral ÷ cluster ratio over the rounds where corral ran first, and where it did not",
  "",
  "| Node | node:cluster req/s | corral req/s | corral ÷ cluster (median) | min–max | control ÷ cluster (median) | min–max | worker µs/req cluster | worker µs/req corral | µs/req ratio | corral primary µs/req | errors |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];
for (const s of sections) {
  const med = (id, key) => median(s.results[id].map((r) => r[key]));
  const errors = Object.values(s.results).flat().reduce((n, r) => n + r.errors, 0);
  const usRatio = median(s.results.corral.map((r, i) => r.workerUsPerReq / s.results.cluster[i].workerUsPerReq));
  lines.push(`| ${s.version} | ${Math.round(med("cluster", "reqPerSec")).toLocaleString("en")} | ${Math.round(med("corral", "reqPerSec")).toLocaleString("en")} | ` +
    `${median(s.ratios).toFixed(3)} × | ${Math.min(...s.ratios).toFixed(2)}–${Math.max(...s.ratios).toFixed(2)} | ` +
    `${median(s.controls).toFixed(3)} × | ${Math.min(...s.controls).toFixed(2)}–${Math.max(...s.controls).toFixed(2)} | ` +
    `${med("cluster", "workerUsPerReq").toFixed(2)} | ${med("corral", "workerUsPerReq").toFixed(2)} | ${usRatio.toFixed(3)} | ${med("corral", "primaryUsPerReq").toFixed(3)} | ${errors} |`);
}
lines.push("", "By position (corral ÷ cluster, median):", "");
for (const s of sections) {
  const first = s.ratios.filter((_, i) => s.firsts[i] === "corral");
  const other = s.ratios.filter((_, i) => s.firsts[i] !== "corral");
  lines.push(`- Node ${s.version}: corral first ${first.length ? median(first).toFixed(3) : "–"} (${first.length} rounds), ` +
    `otherwise ${other.length ? median(other).toFixed(3) : "–"} (${other.length} rounds)`);
}
lines.push("", "Rounds (k req/s cluster / corral / control):", "");
for (const s of sections) {
  lines.push(`- Node ${s.version}: ${s.ratios.map((_, i) => ["cluster", "corral", "control"].map((id) => Math.round(s.results[id][i].reqPerSec / 1000)).join("/")).join(", ")}`);
}
writeFileSync(values.out, `${lines.join("\n")}\n`);
console.log(`\n${lines.join("\n")}\nwritten to ${values.out}`);
