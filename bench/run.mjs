#!/usr/bin/env node
// npm run bench — throughput and latency of one app under: a single process, the node:cluster
// recipe, PM2 cluster mode, and corral with each balancing strategy; in one run, alternating
// contenders within each round, medians over rounds. Writes bench/results/<date>.md and .svg,
// and copies them to latest.md / latest.svg for the README.
//
//   node bench/run.mjs [--duration 10] [--rounds 3] [--warmup 2] [--workers 2] [--clients 2]
//                      [--only single,cluster,pm2,corral-rr,corral-lc,corral-ip,corral-os]
//                      [--workloads keep-alive,conn-per-request,cpu,mixed] [--node /path/to/node]
//                      [--client wrk|autocannon]   (keep-alive load; default wrk when installed)
//
// Nothing else should run on the machine meanwhile: the load generator already shares it.
// Each round starts every contender afresh, in the opposite order to the round before, so that
// neither a process's luck (JIT, placement) nor its position in the round favours anyone.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "./lib/free-port.mjs";
import { CONTENDERS, cpuMsOf, start } from "./lib/contenders.mjs";
import { markdown, summarize, svg } from "./lib/report.mjs";
import { WORKLOADS, keepAliveTool, measure } from "./lib/workloads.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string" },
    workers: { type: "string", default: "2" },
    clients: { type: "string", default: "2" },
    only: { type: "string" },
    workloads: { type: "string" },
    node: { type: "string", default: process.execPath },
    client: { type: "string" },
    out: { type: "string", default: join(root, "bench/results") },
  },
});
const durationS = Number(values.duration);
const rounds = Number(values.rounds);
const warmupS = values.warmup !== undefined ? Number(values.warmup) : Math.max(1, Math.min(3, Math.round(durationS / 5)));
const workers = Number(values.workers);
const clientProcs = Number(values.clients);
const node = values.node;
const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

const nodeVersion = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
// corral's own rule, so that the bench skips exactly what `corral start --balance os` refuses.
const reusePortModule = join(root, "dist/config/reuse-port-support.js");
const reusePortProblem = existsSync(reusePortModule)
  ? (await import(pathToFileURL(reusePortModule).href)).reusePortUnavailable(nodeVersion, process.platform)
  : "corral is not built (npm run build)";

let contenders = values.only ? list(values.only).map((id) => CONTENDERS.find((c) => c.id === id) ?? fail(`unknown contender ${id}`)) : CONTENDERS;
if (reusePortProblem !== null) {
  if (values.only?.includes("corral-os")) fail(`corral-os: ${reusePortProblem} (--node is Node ${nodeVersion})`);
  if (contenders.some((c) => c.needsReusePort)) console.log(`bench: skipping corral-os: ${reusePortProblem} (use --node with Node >= 22.12)`);
  contenders = contenders.filter((c) => !c.needsReusePort);
}
const workloads = values.workloads ? list(values.workloads).map((id) => WORKLOADS.find((w) => w.id === id) ?? fail(`unknown workload ${id}`)) : WORKLOADS;
if (values.client !== undefined && values.client !== "wrk" && values.client !== "autocannon") fail(`--client is wrk or autocannon, not ${values.client}`);
if (contenders.some((c) => c.kind === "corral") && !existsSync(join(root, "dist/cli/main.js"))) fail("build corral first: npm run build");

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/** CPU cost of one /cpu request on this machine, measured with the contenders' Node. */
function cpuRouteMs() {
  const script = `const { work, CPU_ITERATIONS } = require(${JSON.stringify(join(root, "bench/apps/handler.cjs"))});
    work(CPU_ITERATIONS); const t = performance.now(); for (let i = 0; i < 40; i++) work(CPU_ITERATIONS);
    console.log((performance.now() - t) / 40);`;
  return Number(execFileSync(node, ["-e", script], { encoding: "utf8" }).trim());
}

const date = new Date().toISOString().slice(0, 10);
const machine = {
  cores: os.availableParallelism?.() ?? os.cpus().length,
  cpu: os.cpus()[0]?.model?.trim() ?? "unknown CPU",
  memGb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: nodeVersion,
  nodePath: node,
  cpuRouteMs: cpuRouteMs(),
};
let keepAlive;
try {
  keepAlive = keepAliveTool(root, values.client);
} catch (error) {
  fail(`--client wrk: ${error.message}`);
}
machine.keepAliveClient = `${keepAlive.tool} ${keepAlive.version}`;
const settings = { durationS, rounds, warmupS, workers, clientProcs, sourceAddresses: Number(process.env.BENCH_SOURCE_ADDRESSES) || 64 };
console.log(`bench: ${contenders.map((c) => c.id).join(", ")} × ${workloads.map((w) => w.id).join(", ")}; ${rounds} × ${durationS} s; Node ${nodeVersion}; /cpu ≈ ${machine.cpuRouteMs.toFixed(1)} ms`);

const results = {};
for (let round = 1; round <= rounds; round++) {
  for (const contender of round % 2 ? contenders : [...contenders].reverse()) {
    const port = await freePort();
    const running = await start(contender, { root, node, port, workers });
    try {
      for (const workload of workloads) {
        const options = { root, clientNode: node, port, clientProcs, keepAlive };
        if (warmupS > 0) await measure(workload, { ...options, durationS: warmupS });
        const cpuBefore = cpuMsOf(running.primaryPid);
        const began = performance.now();
        const r = await measure(workload, { ...options, durationS });
        r.primaryCpuPct = (100 * (cpuMsOf(running.primaryPid) - cpuBefore)) / (performance.now() - began);
        r.round = round;
        ((results[workload.id] ??= {})[contender.id] ??= []).push(r);
        console.log(`round ${round}/${rounds}  ${contender.id.padEnd(10)} ${workload.id.padEnd(17)} ${Math.round(r.reqPerSec).toString().padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms` +
          `  primary ${r.primaryCpuPct.toFixed(0)} %  load-gen ${r.clientCpuPct.toFixed(0)} %${r.errors ? `  errors ${r.errors} (${r.firstErrors.join(", ")})` : ""}`);
      }
    } finally {
      await running.stop();
    }
  }
}

const table = summarize(results, workloads, contenders);
mkdirSync(values.out, { recursive: true });
const md = markdown(table, { workloads, contenders, machine, settings, date });
const chart = svg(table, { workloads, contenders, title: `corral benchmark ${date}: ${workers} workers, ${machine.cores} × ${machine.cpu}, Node ${nodeVersion}` });
const mdPath = join(values.out, `${date}.md`);
const svgPath = join(values.out, `${date}.svg`);
writeFileSync(mdPath, `${md}\n![chart](${date}.svg)\n`);
writeFileSync(svgPath, chart);
writeFileSync(join(values.out, "latest.md"), `${md}\n![chart](latest.svg)\n`);
copyFileSync(svgPath, join(values.out, "latest.svg"));
console.log(`\n${md}\nwrote ${mdPath}, ${svgPath} (and latest.md, latest.svg)`);
