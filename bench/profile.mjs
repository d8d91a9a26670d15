#!/usr/bin/env node
// Where does the primary's time go on the hand-off path? Starts corral (round-robin) or the
// node:cluster recipe with `--cpu-prof` on the primary only, drives connection-per-request load
// at it, stops it cleanly (the profile is written at exit) and prints the top functions by
// self time, plus inclusive time of the hand-off functions.
//
//   node bench/profile.mjs [--target corral|cluster] [--balance round-robin] [--duration 5] [--node PATH]
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measure, WORKLOADS } from "./lib/workloads.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: {
  target: { type: "string", default: "corral" }, balance: { type: "string", default: "round-robin" },
  duration: { type: "string", default: "5" }, node: { type: "string", default: process.execPath }, top: { type: "string", default: "25" },
} });
const dir = mkdtempSync(join(tmpdir(), "corral-prof-"));
const port = 20000 + Math.floor(Math.random() * 20000);
const env = { ...process.env, PORT: String(port), WORKERS: "2", CORRAL_HOME: dir };
const args = values.target === "cluster"
  ? [join(root, "bench/apps/cluster-recipe.cjs")]
  : [join(root, "dist/cli/main.js"), "start", join(root, "bench/apps/app.cjs"), "--workers", "2", "--balance", values.balance, "--name", "profile"];
const preload = values.target === "cluster" ? ["--require", join(root, "bench/lib/exit-on-sigterm.cjs")] : [];
const child = spawn(values.node, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...preload, ...args], { env, stdio: ["ignore", "pipe", "inherit"], detached: true });
let out = "";
child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
const exited = new Promise((resolve) => child.once("exit", resolve));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; (out.match(/listening|Server started/g)?.length ?? 0) < 2; i++) {
  if (i > 400) throw new Error(`did not start: ${out}`);
  await sleep(50);
}
const workload = WORKLOADS.find((w) => w.id === "conn-per-request");
// V8 stamps samples with the monotonic clock in µs, as process.hrtime does: keep the load window only.
const windowStart = Number(process.hrtime.bigint() / 1000n);
const r = await measure(workload, { root, clientNode: values.node, port, durationS: Number(values.duration), clientProcs: 2 });
const windowEnd = Number(process.hrtime.bigint() / 1000n);
const connections = Math.round(r.reqPerSec * ((windowEnd - windowStart) / 1e6));
console.log(`${values.target}${values.target === "corral" ? ` ${values.balance}` : ""}: ${Math.round(r.reqPerSec)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
// SIGTERM: corral drains and exits; the recipe's primary exits on the default handler. Both write the profile.
process.kill(child.pid, "SIGTERM");
await Promise.race([exited, sleep(15_000)]);
try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }

// CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile; the recipe's workers inherit --cpu-prof, pick the primary's.
const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.split(".")[3] === String(child.pid));
if (!file) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
rmSync(dir, { recursive: true, force: true });

// Self time per node from the sample stream; inclusive time by walking up the parents.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const inclusive = new Map();
const name = (n) => `${n.callFrame.functionName || "(anonymous)"} ${basename(n.callFrame.url || "") || ""}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`.trim();
let total = 0;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < windowStart || at > windowEnd) continue;
  total += dt;
  const node = byId.get(profile.samples[i]);
  self.set(name(node), (self.get(name(node)) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const key = name(byId.get(id));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}
const idle = self.get("(idle)") ?? 0;
console.log(`primary during the load: ${(total / 1e6).toFixed(2)} s sampled, busy ${(((total - idle) / total) * 100).toFixed(1)} %, ` +
  `${((total - idle) / connections).toFixed(1)} µs of CPU per connection (${connections} connections)`);
console.log(`\ntop ${values.top} by self time (% of busy time):`);
for (const [k, v] of [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${((v / (total - idle)) * 100).toFixed(1).padStart(6)} %  ${k}`);
}
console.log("\ninclusive time of the hand-off path (% of busy time):");
for (const [k, v] of [...inclusive].filter(([k]) => /distribute|handOff|acknowledge|onconnection|send |handleWorkerMessage|onWorkerMessage|writeChannelMessage|target\._send|RoundRobinHandle|handoff/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`${((v / (total - idle)) * 100).toFixed(1).padStart(6)} %  ${k}`);
}
