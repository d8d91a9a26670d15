// Keep-alive load generator: wrk, one thread, with spread-source.so preloaded (many client addresses).
// A C client costs a fraction of autocannon's CPU per request, so on a small machine more of the CPU is
// left to the servers under test and the rounds vary less. Run as a child of the runner, like the others.
//   argv[2]: JSON { port, connections, durationS, path, preload, script }
// Prints one JSON line: { requests, errors, firstErrors, reqPerSec, p50, p99 (ms), cpuMs, elapsedMs }.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const { port, connections, durationS, path, preload, script } = JSON.parse(process.argv[2]);

/** CPU (ms) of this process's waited-for children: wrk's, once it has exited (/proc/self/stat cutime + cstime). */
function childrenCpuMs() {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const began = performance.now();
const wrk = spawn("wrk", ["-t1", `-c${connections}`, `-d${durationS}s`, "--timeout", "10s", "-s", script, `http://127.0.0.1:${port}${path}`], {
  env: { ...process.env, LD_PRELOAD: preload },
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
wrk.stdout.setEncoding("utf8").on("data", (d) => (out += d));
const code = await new Promise((resolve) => wrk.on("exit", resolve));
const elapsedMs = performance.now() - began;
if (code !== 0) {
  console.error(`wrk exited ${code}: ${out}`);
  process.exit(1);
}
const r = JSON.parse(out.trim().split("\n").pop());
const errors = r.connect + r.read + r.write + r.timeout + r.status;
process.stdout.write(`${JSON.stringify({
  requests: r.requests,
  errors,
  firstErrors: errors > 0 ? [`connect ${r.connect}, read ${r.read}, write ${r.write}, timeouts ${r.timeout}, non-2xx ${r.status}`] : [],
  reqPerSec: r.requests / (r.durationUs / 1e6),
  p50: r.p50Us / 1000,
  p99: r.p99Us / 1000,
  cpuMs: childrenCpuMs(),
  elapsedMs,
})}\n`);
