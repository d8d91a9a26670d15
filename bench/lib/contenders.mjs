// The contenders: how to start each one on a port, know it is fully up, and stop it.
// Every one serves bench/apps/app.cjs with the same Node binary and the same worker count.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CONTENDERS = [
  { id: "single", label: "single process", kind: "single" },
  { id: "cluster", label: "node:cluster recipe", kind: "cluster" },
  { id: "pm2", label: "PM2 cluster mode", kind: "pm2" },
  { id: "corral-rr", label: "corral round-robin", kind: "corral", balance: "round-robin" },
  { id: "corral-lc", label: "corral least-connections", kind: "corral", balance: "least-connections" },
  { id: "corral-ip", label: "corral ip-hash", kind: "corral", balance: "ip-hash" },
  { id: "corral-os", label: "corral os (SO_REUSEPORT)", kind: "corral", balance: "os", needsReusePort: true },
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a contender; resolves to { primaryPid, stop() } once `workers` processes answer. */
export async function start(contender, { root, node, port, workers, corralMain = join(root, "dist/cli/main.js"), env: baseEnv = process.env }) {
  const app = join(root, "bench/apps/app.cjs");
  const env = { ...baseEnv, PORT: String(port), WORKERS: String(workers) };
  let child = null;
  let home = null;
  let primaryPid;
  const expected = contender.kind === "single" ? 1 : workers;

  if (contender.kind === "pm2") {
    home = mkdtempSync(join(tmpdir(), "bench-pm2-"));
    const pm2 = (args) => spawnSync(node, [join(root, "node_modules/pm2/bin/pm2"), ...args], { env: { ...env, PM2_HOME: home }, encoding: "utf8" });
    const started = pm2(["start", app, "-i", String(workers), "--name", "bench-app"]);
    if (started.status !== 0) throw new Error(`pm2 start failed: ${started.stderr || started.stdout}`);
    const list = JSON.parse(pm2(["jlist"]).stdout);
    const modes = list.map((p) => p.pm2_env.exec_mode);
    if (list.length !== workers || modes.some((m) => m !== "cluster_mode")) throw new Error(`pm2 is not in cluster mode: ${modes}`);
    primaryPid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));
    const stop = async () => {
      pm2(["kill"]);
      rmSync(home, { recursive: true, force: true });
    };
    await untilUp(port, expected).catch(async (error) => {
      await stop();
      throw error;
    });
    return { primaryPid, stop };
  }

  let args;
  if (contender.kind === "single") args = [app];
  else if (contender.kind === "cluster") args = [join(root, "bench/apps/cluster-recipe.cjs")];
  else {
    home = mkdtempSync(join(tmpdir(), "bench-corral-"));
    env.CORRAL_HOME = home;
    args = [corralMain, "start", app, "--workers", String(workers), "--balance", contender.balance, "--name", `bench-${contender.id}`];
  }
  // Its own process group, so that stop() takes the workers down with the primary.
  child = spawn(node, args, { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  primaryPid = child.pid;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(5000)]);
    if (home) rmSync(home, { recursive: true, force: true });
  };
  try {
    await Promise.race([untilUp(port, expected), exited.then((code) => Promise.reject(new Error(`${contender.id} exited (${code}): ${stderr}`)))]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { primaryPid, stop };
}

/** Polls with new connections from different source addresses until `expected` distinct pids answered. */
async function untilUp(port, expected, timeoutMs = 30_000) {
  const pids = new Set();
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const pid = await probe(port, `127.0.0.${1 + (i % 64)}`);
    if (pid) pids.add(pid);
    if (pids.size >= expected) return;
    if (!pid) await sleep(50);
  }
  throw new Error(`only ${pids.size} of ${expected} processes answered on port ${port} within ${timeoutMs} ms`);
}

function probe(port, localAddress) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, localAddress, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? res.headers["x-pid"] : null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** utime + stime of a process, in ms (Linux /proc; CLK_TCK is 100 on every Linux we run on). */
export function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
