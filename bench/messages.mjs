#!/usr/bin/env node
// Workers that talk, measured: messages per second through the primary (each worker sending
// as fast as its rate limit lets it, by worker.send in a ring and by worker.broadcast), the
// primary's CPU meanwhile, and the latency of a broadcast (sender → every other worker, one way,
// and the round trip until every worker answered).
//   node bench/messages.mjs [--workers 4] [--seconds 5] [--pings 200] [--node /path/to/node]
// Writes bench/results/messages-<date>.md and messages-latest.md.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "4" },
    seconds: { type: "string", default: "5" },
    pings: { type: "string", default: "200" },
    node: { type: "string", default: process.execPath },
    out: { type: "string", default: join(root, "bench/results") },
  },
});
const workers = Number(values.workers);
const ms = Number(values.seconds) * 1000;
const pings = Number(values.pings);
const dir = mkdtempSync(join(os.tmpdir(), "corral-bench-talk-"));
const out = join(dir, "out.jsonl");
writeFileSync(out, "");
const name = `bench-talk-${process.pid}`;
const env = { ...process.env, CORRAL_HOME: join(dir, "home"), BENCH_OUT: out };
const cli = join(root, "dist/cli/main.js");
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const lines = () => readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

const primary = spawn(values.node, [cli, "start", join(root, "bench/apps/talk.mjs"), "--name", name, "--workers", String(workers)], { env, stdio: ["ignore", "pipe", "inherit"] });
let log = "";
primary.stdout.on("data", (d) => (log += d));

/** An order to every worker (or worker `id`) with the CLI's corral send, as an operator would. */
function tell(data, id) {
  return new Promise((resolve, reject) => {
    const args = [cli, "send", name, "bench", JSON.stringify(data), ...(id ? ["--worker", String(id)] : [])];
    const child = spawn(values.node, args, { env, stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`corral send exited ${code}`))));
  });
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in ticks of 10 ms (USER_HZ)
}

async function reset() {
  writeFileSync(out, "");
  await tell({ what: "reset" });
  await until(() => lines().filter((l) => l.ev === "reset").length >= workers, "reset");
  writeFileSync(out, "");
}

/** Each worker's latest counts; asked again while a worker's channel is still backed up (the primary drops orders then too). */
async function counts() {
  for (let attempt = 0; attempt < 30; attempt++) {
    await tell({ what: "report" });
    try {
      return await until(() => {
        const latest = new Map(lines().filter((l) => l.ev === "counts").map((l) => [l.id, l]));
        return latest.size >= workers && [...latest.values()];
      }, "report", 2000);
    } catch {
      // not every worker answered yet
    }
  }
  throw new Error("the workers did not report");
}

/** Every worker sends as fast as its limit lets it for `ms`; what arrived, per second, and the primary's CPU meanwhile. */
async function load(what, label) {
  await reset();
  const cpuBefore = cpuSeconds(primary.pid);
  const began = performance.now();
  await tell({ what, ms, workers });
  const sent = await until(() => { const s = lines().filter((l) => l.ev === "sent"); return s.length >= workers && s; }, `${what} done`);
  const elapsed = (performance.now() - began) / 1000;
  const cpu = (cpuSeconds(primary.pid) - cpuBefore) / elapsed;
  await sleep(1000); // the last messages in flight land
  const delivered = (await counts()).reduce((total, c) => total + c.received, 0);
  const offered = sent.reduce((total, s) => total + s.sent, 0);
  return { label, offered, delivered, perSecond: delivered / (ms / 1000), cpu };
}

const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
try {
  await until(() => (log.match(/ready in \d+ ms/g)?.length ?? 0) >= workers, "workers ready");
  const rows = [await load("send-load", `worker.send in a ring, ${workers} senders`), await load("broadcast-load", `worker.broadcast, ${workers} senders × ${workers - 1} receivers`)];

  await reset();
  await tell({ what: "pings", count: pings, gapMs: 5, workers }, 1);
  const rtts = (await until(() => lines().find((l) => l.ev === "rtts"), "pings done", 120_000)).rtts;
  const oneWay = (await counts()).flatMap((c) => c.latencies);
  const status = JSON.parse(await new Promise((resolve) => {
    const child = spawn(values.node, [cli, "status", name, "--json"], { env, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.on("exit", () => resolve(text));
  }));

  const date = new Date().toISOString().slice(0, 10);
  const cpus = os.cpus();
  const md = `# Workers that talk (node bench/messages.mjs --workers ${workers} --seconds ${ms / 1000} --pings ${pings}), ${date}

${cpus.length} cores (${cpus[0]?.model ?? "?"}), Node ${execVersion()}, ${workers} workers, load average ${os.loadavg()[0].toFixed(1)} at the end. **The machine was shared** with other
engineers' builds and tests while this ran: figures are lower bounds, and latencies include their noise.
Each worker's limit is 5,000 messages a second (src/message-limits.ts), so a sender runs at that limit;
"delivered" counts what the workers' \`worker.on\` listeners received (a broadcast counts once per receiver).

| load (${ms / 1000} s) | sent | delivered | delivered / s through the primary | primary CPU |
|---|---|---|---|---|
${rows.map((r) => `| ${r.label} | ${fmt(r.offered)} | ${fmt(r.delivered)} | ${fmt(r.perSecond)} | ${fmt(r.cpu * 100)} % |`).join("\n")}

| a broadcast's latency (idle, ${pings} broadcasts 5 ms apart) | median | p99 | max |
|---|---|---|---|
| sender → each other worker's listener, one way (${oneWay.length} samples) | ${fmt(quantile(oneWay, 0.5), 2)} ms | ${fmt(quantile(oneWay, 0.99), 2)} ms | ${fmt(Math.max(...oneWay), 2)} ms |
| broadcast → every other worker answered (worker.send back), round trip | ${fmt(quantile(rtts, 0.5), 2)} ms | ${fmt(quantile(rtts, 0.99), 2)} ms | ${fmt(Math.max(...rtts), 2)} ms |

Dropped by the primary meanwhile: ${JSON.stringify(status.messages.dropped)}; primary RSS at the end ${fmt(status.primaryRss / 1048576, 1)} MB.
`;
  process.stdout.write(md);
  writeFileSync(join(values.out, `messages-${date}.md`), md);
  copyFileSync(join(values.out, `messages-${date}.md`), join(values.out, "messages-latest.md"));
} finally {
  primary.kill("SIGTERM");
}

function execVersion() {
  return execFileSync(values.node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
}
