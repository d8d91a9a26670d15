// Closed-loop load generator, one new TCP connection per request (what autocannon cannot do:
// its reconnectRate drops the response it reconnects on). Raw sockets, no http client: the
// client must cost less CPU than the servers it measures. Run in several processes by the runner.
//   argv[2]: JSON { port, concurrency, durationMs, path, slowPath, slowEvery }
// Prints one JSON line: { requests, errors, firstErrors, counts (histogram), cpuMs, elapsedMs }.
import net from "node:net";
import { Histogram } from "./histogram.mjs";

const { port, concurrency, durationMs, path, slowPath = null, slowEvery = 0 } = JSON.parse(process.argv[2]);
const sourceCount = Number(process.env.BENCH_SOURCE_ADDRESSES) || 64;
const request = (p) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
const fast = request(path);
const slow = slowPath ? request(slowPath) : null;

const histogram = new Histogram();
let requests = 0;
let errors = 0;
const firstErrors = [];
let sent = 0;
let source = 0;
let running = true;

function once() {
  return new Promise((resolve) => {
    const began = performance.now();
    const payload = slow && slowEvery > 0 && ++sent % slowEvery === 0 ? slow : fast;
    const socket = net.connect({ port, host: "127.0.0.1", localAddress: `127.0.0.${1 + (source++ % sourceCount)}` });
    let head = null;
    // A stalled connection must not keep this loop running past the measurement: count it as an error.
    socket.setTimeout(10_000, () => socket.destroy(new Error("timeout")));
    socket.on("connect", () => socket.write(payload));
    socket.on("data", (chunk) => {
      if (head === null) head = chunk.subarray(0, 12).toString("latin1");
    });
    socket.on("error", (error) => {
      errors++;
      if (firstErrors.length < 5) firstErrors.push(error.code ?? error.message);
      resolve();
    });
    socket.on("close", (hadError) => {
      if (hadError) return; // counted in "error"
      if (head === "HTTP/1.1 200") {
        requests++;
        histogram.recordMs(performance.now() - began);
      } else {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(`bad response: ${head}`);
      }
      resolve();
    });
  });
}

async function loop() {
  while (running) await once();
}

const cpuBefore = process.cpuUsage();
const began = performance.now();
setTimeout(() => (running = false), durationMs);
await Promise.all(Array.from({ length: concurrency }, loop));
const elapsedMs = performance.now() - began;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ requests, errors, firstErrors, counts: histogram.counts, cpuMs: (cpu.user + cpu.system) / 1000, elapsedMs })}\n`);
