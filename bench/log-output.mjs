#!/usr/bin/env node
// The primary's CPU per MB of worker output: 2 workers write 100-byte lines at a steady rate; the
// primary splits, formats and writes them to its stdout (a pipe into `cat > /dev/null`, as under Docker
// or journald) and, in the --log-file variants, to a file. Measured from the primary's own CPU counter
// (GET /status on the control socket: process.cpuUsage, thread pool included), for --log-format prefix
// and json, with and without --log-file.
// Usage: node bench/log-output.mjs [--mb 50] [--rate 5] [--rounds 3] [--node /path/to/node]
// (--rate: MB/s per worker; a firehose beyond what the machine can write is dropped by design, and
// the bench reports those lines, but the figure is meant for output that gets written.)
// Writes bench/results/log-output-latest.md. Nothing else should run on the machine meanwhile.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { mb: { type: "string", default: "50" }, rate: { type: "string", default: "5" }, rounds: { type: "string", default: "3" }, node: { type: "string", default: process.execPath } },
});
const mbPerWorker = Number(values.mb);
const rate = Number(values.rate);
const rounds = Number(values.rounds);
const app = join(root, "bench/apps/log-writer.cjs");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function get(options) {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...options, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => resolve(body));
    });
    req.on("error", reject);
  });
}

const status = async (socketPath) => JSON.parse(await get({ socketPath, path: "/status" })).status;

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** One run: ms of primary CPU per MB of worker output. */
async function run(variant) {
  const dir = mkdtempSync(join(tmpdir(), "corral-bench-logs-"));
  const name = `bench-logs-${process.pid}`;
  const logFile = join(dir, "out.log");
  const args = ["start", app, "-w", "2", "--name", name, "--log-format", variant.format, ...(variant.file ? ["--log-file", logFile] : [])];
  const command = `exec ${[values.node, join(root, "dist/cli/main.js"), ...args].map(shellQuote).join(" ")} | cat > /dev/null`;
  const shell = spawn("sh", ["-c", command], { env: { ...process.env, CORRAL_HOME: join(dir, "home") }, stdio: "ignore", detached: true });
  const socketPath = join(dir, "home", `${name}.sock`);
  try {
    const ready = await until(async () => {
      const s = await status(socketPath);
      return s.workersReady === 2 && s.listening.length > 0 ? s : null;
    }, 20_000, "2 workers ready");
    const port = ready.listening[0].port;
    await sleep(500);
    const before = (await status(socketPath)).primaryCpuSeconds;
    const began = performance.now();
    // Round-robin: two fresh connections reach the two workers.
    await Promise.all([0, 1].map(() => get({ host: "127.0.0.1", port, path: `/write?mb=${mbPerWorker}&rate=${rate}` })));
    // The last lines may still be on their way through the primary (and, with a file, the thread pool).
    let last = -1;
    const cpu = await until(async () => {
      const now = (await status(socketPath)).primaryCpuSeconds;
      const settled = now - last < 0.005 ? now : null;
      last = now;
      await sleep(200);
      return settled;
    }, 30_000, "the primary to settle");
    const seconds = (performance.now() - began) / 1000;
    const mb = 2 * mbPerWorker;
    return { fileMb: variant.file ? statSync(logFile).size / 1e6 : null, msPerMb: ((cpu - before) * 1000) / mb, mbPerSecond: mb / seconds, dropped: (await status(socketPath)).logLinesDropped };
  } finally {
    try {
      process.kill(-shell.pid, "SIGKILL");
    } catch {
      // gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants = [
  { label: "prefix", format: "prefix", file: false },
  { label: "json", format: "json", file: false },
  { label: "prefix + --log-file", format: "prefix", file: true },
  { label: "json + --log-file", format: "json", file: true },
];
const results = new Map(variants.map((v) => [v.label, []]));
const loadBefore = loadavg()[0];
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const result = await run(variant);
    results.get(variant.label).push(result);
    console.log(`round ${round + 1} ${variant.label}: ${result.msPerMb.toFixed(1)} ms CPU/MB, ${result.mbPerSecond.toFixed(0)} MB/s, ${result.dropped} lines dropped${result.fileMb === null ? "" : `, ${result.fileMb.toFixed(1)} MB in the file`}`);
  }
}

const date = new Date().toISOString().slice(0, 10);
const rows = variants.map((v) => {
  const r = results.get(v.label);
  return `| ${v.label} | ${median(r.map((x) => x.msPerMb)).toFixed(1)} ms | ${median(r.map((x) => x.mbPerSecond)).toFixed(0)} MB/s | ${Math.max(...r.map((x) => x.dropped))} |`;
});
const text = `# Primary CPU per MB of worker output (node bench/log-output.mjs --mb ${mbPerWorker} --rate ${rate} --rounds ${rounds}), ${date}

Node ${process.versions.node}, 2 workers each writing ${mbPerWorker} MB of 100-byte lines at ${rate} MB/s; the primary's
stdout is a pipe into \`cat > /dev/null\`. CPU is the primary's own (process.cpuUsage, thread pool included),
medians of ${rounds} rounds. MB = 10^6 bytes of worker output (10,000 lines).
Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after, on ${cpus().length} cores. Lines are dropped when
\`cat\` (or the disk) falls more than --log-buffer (4M) behind: on a busy machine, when \`cat\` gets no CPU for a while.

| output | primary CPU per MB | throughput (both workers) | lines dropped (max) |
|---|---:|---:|---:|
${rows.join("\n")}
`;
writeFileSync(join(root, "bench/results/log-output-latest.md"), text);
console.log(`\n${text}`);
