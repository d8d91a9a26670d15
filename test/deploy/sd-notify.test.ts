/**
 * sd_notify (Type=notify units) through the systemd-notify binary: a unix datagram socket
 * stands in for systemd's NOTIFY_SOCKET (python3 listens: node cannot open a datagram unix
 * socket) and records every message. No systemd runs here: what is checked is what corral
 * sends and when, not how a real systemd acts on it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { controlPath, controlStatus, readyPidsOf } from "../helpers/control-socket.js";
import { fixture, runCli, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(s.recv(65536).decode().replace("\\n", " | "), flush=True)
`;

const cleanup: Array<() => void> = [];
after(() => {
  for (const step of cleanup) step();
});

test("READY=1 when every worker is ready, RELOADING=1/READY=1 around a reload, MAINPID= after an upgrade, STOPPING=1 on stop", async (t) => {
  const python = requireTool(t, "python3");
  if (!python || !requireTool(t, "systemd-notify")) return;
  const dir = tempDir("corral-notify-");
  const socketPath = join(dir, "notify.sock");
  const listener = spawn(python, ["-c", LISTENER, socketPath], { stdio: ["ignore", "pipe", "inherit"] });
  cleanup.push(() => listener.kill("SIGKILL"));
  let received = "";
  listener.stdout!.setEncoding("utf8").on("data", (d: string) => (received += d));
  await waitFor(() => received.includes("bound"), "the datagram listener");
  const lines = (): string[] => received.split("\n").filter((l) => l.includes("="));

  const name = `notify-${process.pid}`;
  const env = { CORRAL_HOME: join(dir, "home"), NOTIFY_SOCKET: socketPath };
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", name], { env });
  await waitFor(() => lines().some((l) => l.includes("READY=1")), `READY=1\n${received}\n${corral.output}`);
  const ready = lines().find((l) => l.includes("READY=1"))!;
  assert.match(ready, new RegExp(`MAINPID=${corral.pid}`));
  assert.match(ready, /STATUS=2\/2 workers ready/, "ready only once every worker is");
  for (const pid of readyPidsOf(await controlStatus(controlPath(env.CORRAL_HOME, name)))) {
    assert.ok(!readFileSync(`/proc/${pid}/environ`, "utf8").includes("NOTIFY_SOCKET="), "the app cannot notify systemd in corral's place");
  }

  const reload = await runCli(["reload", name], { env });
  assert.equal(reload.code, 0, reload.stderr);
  await waitFor(() => lines().filter((l) => l.includes("READY=1")).length >= 2, `READY=1 after the reload\n${received}`);
  const afterStart = lines().slice(lines().indexOf(ready) + 1);
  const reloading = afterStart.findIndex((l) => l.includes("RELOADING=1"));
  assert.ok(reloading >= 0, `RELOADING=1 sent\n${received}`);
  assert.match(afterStart[reloading]!, /MONOTONIC_USEC=\d+/);
  assert.ok(afterStart.slice(reloading + 1).some((l) => l.includes("READY=1")), "READY=1 after RELOADING=1");

  const upgrade = await runCli(["upgrade", name], { env });
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const next = Number(upgrade.stdout.match(/to pid (\d+)/)![1]);
  cleanup.push(() => {
    try {
      process.kill(-next, "SIGKILL");
    } catch {
      // gone
    }
  });
  assert.equal((await corral.exit()).code, 0);
  await waitFor(() => lines().some((l) => l.includes(`MAINPID=${next}`) && l.includes("READY=1")), `the new primary's READY=1\n${received}`);
  assert.ok(lines().some((l) => l.includes(`MAINPID=${next}`) && l.includes("STATUS=upgraded")), `the old primary names its successor\n${received}`);
  assert.ok(!lines().some((l) => l.includes("STOPPING=1")), `an upgrade is not a stop\n${received}`);

  const stop = await runCli(["stop", name], { env });
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor(() => lines().some((l) => l.includes("STOPPING=1") && l.includes(`MAINPID=${next}`)), `STOPPING=1\n${received}`);
});
