// The workloads, and running one against a port with its load generator in child processes.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Histogram } from "./histogram.mjs";

export const WORKLOADS = [
  { id: "keep-alive", label: "hello world, keep-alive", client: "autocannon", path: "/", connections: 50 },
  { id: "conn-per-request", label: "hello world, new connection per request", client: "cpr", path: "/", concurrency: 32 },
  { id: "cpu", label: "CPU-bound (~5 ms per request), keep-alive", client: "autocannon", path: "/cpu", connections: 16 },
  { id: "mixed", label: "mixed: 98 % hello, 2 % ~50 ms CPU, new connection per request", client: "cpr", path: "/", slowPath: "/slow", slowEvery: 50, concurrency: 32 },
];

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
export async function measure(workload, { root, clientNode, port, durationS, clientProcs }) {
  const lib = join(root, "bench/lib");
  if (workload.client === "autocannon") {
    const r = await runChild(clientNode, join(lib, "autocannon-client.mjs"),
      { port, connections: workload.connections, durationS, path: workload.path }, join(lib, "spread-source.cjs"));
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
