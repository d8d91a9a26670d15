// deploy/haproxy/haproxy.cfg: HAProxy accepts it, and a real HAProxy health-checking corral's /readyz
// marks a host DOWN after its SIGTERM while the host's workers are still draining, losing no request.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, isAlive, tempDir, waitFor } from "../helpers/corral.js";
import { Daemon, check, freePort, render } from "../helpers/daemons.js";
import { answeringPids, drainOneHost, startHosts, type Host } from "../helpers/lb-hosts.js";
import { requireTool } from "../helpers/tools.js";

const RECIPE = readFileSync(join(ROOT, "deploy/haproxy/haproxy.cfg"), "utf8");

interface Ports {
  appPort: number;
  adminPort: number;
}

function haproxyConfig(port: number, [a, b]: readonly Ports[]): { file: string; socket: string; dir: string } {
  const dir = tempDir("corral-haproxy-");
  const socket = join(dir, "admin.sock");
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, render(RECIPE, {
    "bind :80": `bind 127.0.0.1:${port}`,
    "/run/haproxy/admin.sock": socket,
    "10.0.0.11:3000 check port 9100": `127.0.0.1:${a!.appPort} check port ${a!.adminPort}`,
    "10.0.0.12:3000 check port 9100": `127.0.0.1:${b!.appPort} check port ${b!.adminPort}`,
  }));
  return { file, socket, dir };
}

/** `show stat` over the stats socket: one record per proxy/server, keyed by the CSV header's names. */
function showStat(socket: string): Promise<Record<string, string>[]> {
  return new Promise((resolve, reject) => {
    let text = "";
    const connection = net.connect(socket, () => connection.end("show stat\n"));
    connection.setEncoding("utf8");
    connection.setTimeout(5_000, () => connection.destroy(new Error("stats socket timed out")));
    connection.on("data", (d: string) => (text += d));
    connection.on("error", reject);
    connection.on("end", () => {
      const [header = "", ...rows] = text.split("\n").filter((line) => line.trim() !== "");
      const names = header.replace(/^# /, "").split(",");
      resolve(rows.map((row) => Object.fromEntries(row.split(",").map((value, i) => [names[i] ?? String(i), value]))));
    });
  });
}

async function server(socket: string, backend: string, name: string): Promise<Record<string, string> | undefined> {
  return (await showStat(socket)).find((row) => row.pxname === backend && row.svname === name);
}

test("haproxy -c accepts the recipe", async (t) => {
  const haproxy = requireTool(t, "haproxy");
  if (!haproxy) return;
  const { file } = haproxyConfig(await freePort(), [{ appPort: 3001, adminPort: 9101 }, { appPort: 3002, adminPort: 9102 }]);
  const result = check(haproxy, ["-c", "-f", file]);
  assert.ok(result.ok, result.output);
});

test("HAProxy: /socket.io/ is sticky; a host is marked DOWN on its /readyz 503 before its workers exit, and no request fails", async (t) => {
  const haproxy = requireTool(t, "haproxy");
  if (!haproxy) return;
  // As deploy/README.md recommends behind HAProxy: serve with /readyz at 503 for longer than HAProxy
  // takes to mark the host DOWN (inter 1s × fall 2), so no connection is in flight to a closing socket.
  const hosts: [Host, Host] = await startHosts(["--shutdown-delay", "3s"]);
  const port = await freePort();
  const { file, socket, dir } = haproxyConfig(port, hosts);
  const daemon = new Daemon(haproxy, ["-db", "-f", file], dir);
  await daemon.listening(port);
  for (const name of ["host1", "host2"]) {
    await waitFor(async () => (await server(socket, "corral", name))?.status === "UP", `${name} UP\n${daemon.output}`, 15_000, 100);
  }

  let downAfterMs = 0;
  // The sticky variant: every socket.io poll from one client address reaches the same host.
  assert.equal((await answeringPids(port, "/socket.io/?EIO=4&transport=polling", 12)).size, 1, "sticky /socket.io/");
  assert.equal((await answeringPids(port, "/", 12)).size, 2, "other paths spread over both hosts");

  const report = await drainOneHost(port, hosts, {
    async whileDraining({ drained, slow, signalledAt }) {
      const down = await waitFor(async () => {
        const row = await server(socket, "corral", "host1");
        return row?.status.startsWith("DOWN") ? row : null;
      }, `HAProxy to mark host1 DOWN\n${daemon.output}`, 20_000, 50);
      downAfterMs = Date.now() - signalledAt;
      // L7STS: the check got an HTTP answer with the wrong status (corral's 503), not a refused connection (L4CON).
      assert.equal(down.check_status, "L7STS", JSON.stringify(down));
      assert.ok(slow.some((s) => !s.settled), "the slow request is still in flight when HAProxy marks the host DOWN");
      for (const pid of drained.workerPids) assert.ok(isAlive(pid), `worker ${pid} still draining when the host is marked DOWN`);
    },
  });
  const { load } = report;
  t.diagnostic(`haproxy drain: ${load.summary()}; host1 DOWN ${downAfterMs} ms after SIGTERM; host A answered ${report.servedByDrainedAfterSignal} after SIGTERM; drained in ${report.drainMs} ms`);
  assert.equal(load.failed, 0, load.summary());
  assert.equal(report.exitCode, 0, hosts[0].corral.output);
  for (const reply of report.slowReplies) assert.equal(reply.status, 200, "the slow requests in flight finished");
  assert.equal((await server(socket, "corral", "host2"))?.status, "UP");
  assert.ok(daemon.running, daemon.output);
  daemon.stop();
});
