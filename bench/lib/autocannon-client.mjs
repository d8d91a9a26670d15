// Keep-alive load generator: autocannon (from node_modules), in its own process so that its
// CPU use can be recorded, with spread-source.cjs preloaded (many client addresses).
//   argv[2]: JSON { port, connections, durationS, path }
// Prints one JSON line: { requests, errors, firstErrors, reqPerSec, p50, p99 (ms), cpuMs, elapsedMs }.
import { createRequire } from "node:module";
import { Histogram } from "./histogram.mjs";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon");
const { port, connections, durationS, path } = JSON.parse(process.argv[2]);

// autocannon's own percentiles are whole milliseconds; hello-world latencies are below one.
// Record every response time (a float, in ms) in the same histogram the other client uses.
const histogram = new Histogram();
const cpuBefore = process.cpuUsage();
const began = performance.now();
const instance = autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: durationS, pipelining: 1 });
instance.on("response", (_client, statusCode, _bytes, responseTime) => {
  if (statusCode === 200) histogram.recordMs(responseTime);
});
const result = await instance;
const elapsedMs = performance.now() - began;
const cpu = process.cpuUsage(cpuBefore);
const errors = result.errors + result.timeouts + result.non2xx;
process.stdout.write(`${JSON.stringify({
  requests: result.requests.total,
  errors,
  firstErrors: errors > 0 ? [`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`] : [],
  // autocannon counts the requests of whole seconds; its duration is the sampled span.
  reqPerSec: result.requests.total / result.duration,
  p50: histogram.percentileMs(50),
  p99: histogram.percentileMs(99),
  cpuMs: (cpu.user + cpu.system) / 1000,
  elapsedMs,
})}\n`);
