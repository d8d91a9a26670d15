// The workloads, and running one against a port with its load generator in child processes.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Histogram } from "./histogram.mjs";

export const WORKLOADS = [
  { id: "keep-alive", label: "hello world, keep-alive", client: "keep-alive", path: "/", connections: 50 },
  { id: "conn-per-request", label: "hello world, new connection per request", client: "cpr", path: "/", concurrency: 32 },
  { id: "cpu", label: "CPU-bound (~5 ms per request), keep-alive", client: "keep-alive", path: "/cpu", connections: 16 },
  { id: "mixed", label: "mixed: 98 % hello, 2 % ~50 ms CPU, new connection per request", client: "cpr", path: "/", slowPath: "/slow", slowEvery: 50, concurrency: 32 },
];

/**
 * The keep-alive load generator: wrk when it is installed and the C compiler can build its
 * source-address shim (bench/lib/spread-source.c), else autocannon from node_modules.
 * `prefer` ("wrk" | "autocannon" | undefined) forces one; a forced wrk that cannot run is an error.
 */
export function keepAliveTool(root, prefer) {
  if (prefer === "autocannon") return { tool: "autocannon", version: autocannonVersion(root) };
  const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  const version = /wrk (\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1];
  let reason = wrk.error ? "wrk is not installed (apt-get install wrk)" : version ? null : "wrk --version printed no version";
  let preload = null;
  if (!reason) {
    const dir = mkdtempSync(join(tmpdir(), "corral-bench-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    preload = join(dir, "spread-source.so");
    const cc = spawnSync("cc", ["-shared", "-fPIC", "-O2", "-o", preload, join(root, "bench/lib/spread-source.c"), "-ldl"], { encoding: "utf8" });
    if (cc.status !== 0) reason = `cc could not build bench/lib/spread-source.c: ${cc.error?.message ?? cc.stderr}`;
  }
  if (reason && prefer === "wrk") throw new Error(reason);
  if (reason) {
    console.log(`bench: keep-alive load with autocannon: ${reason}`);
    return { tool: "autocannon", version: autocannonVersion(root) };
  }
  return { tool: "wrk", version, preload, script: join(root, "bench/lib/wrk-report.lua") };
}

function autocannonVersion(root) {
  return JSON.parse(readFileSync(join(root, "node_modules/autocannon/package.json"), "utf8")).version;
}

function runChild(node, script, args, preload) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...(preload ? ["--require", preload] : []), script, JSON.stringify(args)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (error) {
        reject(new Error(`load generator ${script} failed (${error.message}): ${out.slice(-500)}`));
      }
    });
  });
}

/**
 * One measurement. Returns { reqPerSec, p50, p99, errors, firstErrors, clientCpuPct } where
 * clientCpuPct is the load generator's CPU use in % of one core (it shares the machine).
 */
export async function measure(workload, { root, clientNode, port, durationS, clientProcs, keepAlive }) {
  const lib = join(root, "bench/lib");
  if (workload.client === "keep-alive") {
    const args = { port, connections: workload.connections, durationS, path: workload.path };
    const r = keepAlive.tool === "wrk"
      ? await runChild(clientNode, join(lib, "wrk-client.mjs"), { ...args, preload: keepAlive.preload, script: keepAlive.script })
      : await runChild(clientNode, join(lib, "autocannon-client.mjs"), args, join(lib, "spread-source.cjs"));
    return { reqPerSec: r.reqPerSec, p50: r.p50, p99: r.p99, errors: r.errors, firstErrors: r.firstErrors, clientCpuPct: (100 * r.cpuMs) / r.elapsedMs };
  }
  const per = Math.max(1, Math.round(workload.concurrency / clientProcs));
  const results = await Promise.all(Array.from({ length: clientProcs }, () => runChild(clientNode, join(lib, "cpr-client.mjs"), {
    port, concurrency: per, durationMs: durationS * 1000, path: workload.path, slowPath: workload.slowPath, slowEvery: workload.slowEvery,
  })));
  const histogram = new Histogram();
  let requests = 0;
  let errors = 0;
  let cpuMs = 0;
  let elapsedMs = 0;
  const firstErrors = [];
  for (const r of results) {
    histogram.merge(r.counts);
    requests += r.requests;
    errors += r.errors;
    cpuMs += r.cpuMs;
    elapsedMs = Math.max(elapsedMs, r.elapsedMs);
    firstErrors.push(...r.firstErrors);
  }
  return {
    reqPerSec: (requests * 1000) / elapsedMs,
    p50: histogram.percentileMs(50),
    p99: histogram.percentileMs(99),
    errors,
    firstErrors: firstErrors.slice(0, 5),
    clientCpuPct: (100 * cpuMs) / elapsedMs,
  };
}
