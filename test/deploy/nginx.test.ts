// deploy/nginx/corral.conf: nginx accepts it, and a real nginx in front of two corral hosts loses
// no request while one host drains after SIGTERM (passive checks + proxy_next_upstream).
import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tempDir } from "../helpers/corral.js";
import { Daemon, check, freePort, render } from "../helpers/daemons.js";
import { answeringPids, drainOneHost, startHosts, type Host } from "../helpers/lb-hosts.js";
import { requireTool } from "../helpers/tools.js";

const RECIPE = readFileSync(join(ROOT, "deploy/nginx/corral.conf"), "utf8");

/** The recipe as an operator would deploy it, plus the main context nginx.conf would give it. */
function nginxDir(port: number, [a, b]: readonly { appPort: number }[]): string {
  const dir = tempDir("corral-nginx-");
  chmodSync(dir, 0o755); // nginx's workers run as nobody when the master is root
  writeFileSync(join(dir, "corral.conf"), render(RECIPE, {
    "listen 80;": `listen 127.0.0.1:${port};`,
    "10.0.0.11:3000": `127.0.0.1:${a!.appPort}`,
    "10.0.0.12:3000": `127.0.0.1:${b!.appPort}`,
  }));
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `${kind}_temp_path ${join(dir, kind)};`).join(" ");
  writeFileSync(join(dir, "nginx.conf"), `daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} notice;
events { worker_connections 1024; }
http {
  access_log ${join(dir, "access.log")};
  ${temp}
  include ${join(dir, "corral.conf")};
}
`);
  return dir;
}

const nginxArgs = (dir: string, ...extra: string[]): string[] => ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), ...extra];

test("nginx -t accepts the recipe", async (t) => {
  const nginx = requireTool(t, "nginx");
  if (!nginx) return;
  const dir = nginxDir(await freePort(), [{ appPort: 3001 }, { appPort: 3002 }]);
  const result = check(nginx, nginxArgs(dir, "-t"));
  assert.ok(result.ok, result.output);
});

test("nginx in front of two corral hosts: /socket.io/ is sticky, and a host drains after SIGTERM with no request failing", async (t) => {
  const nginx = requireTool(t, "nginx");
  if (!nginx) return;
  const hosts: [Host, Host] = await startHosts();
  const port = await freePort();
  const dir = nginxDir(port, hosts);
  const daemon = new Daemon(nginx, nginxArgs(dir), dir);
  await daemon.listening(port);

  // The sticky variant: every socket.io poll from one client address reaches the same host.
  assert.equal((await answeringPids(port, "/socket.io/?EIO=4&transport=polling", 12)).size, 1, "sticky /socket.io/");
  assert.equal((await answeringPids(port, "/", 12)).size, 2, "other paths spread over both hosts");

  const report = await drainOneHost(port, hosts);
  const { load } = report;
  t.diagnostic(`nginx drain: ${load.summary()}; host A answered ${report.servedByDrainedAfterSignal} after SIGTERM; drained in ${report.drainMs} ms`);
  assert.equal(load.failed, 0, load.summary());
  assert.equal(report.exitCode, 0, hosts[0].corral.output);
  for (const reply of report.slowReplies) assert.equal(reply.status, 200, "the slow requests in flight finished");
  assert.ok(
    report.slowReplies.some((reply) => hosts[0].workerPids.includes((JSON.parse(reply.body) as { pid: number }).pid)),
    "host A finished its in-flight slow request after SIGTERM",
  );
  assert.ok(daemon.running, daemon.output);
  daemon.stop();
});
