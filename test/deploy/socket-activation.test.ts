/**
 * systemd socket activation, with Debian's systemd-socket-activate (it passes sockets
 * exactly as systemd does: fds 3.., LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES): corral serves
 * the app's listen(PORT) from the passed socket, reports one the app never listens on,
 * and a stop and start on the same socket loses no connection queued in between.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLI, fixture, request, runCli, tempDir, waitFor } from "../helpers/corral.js";
import { freePort } from "../helpers/daemons.js";
import { requireTool } from "../helpers/tools.js";

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
});


/** systemd-socket-activate listening on `listen`, running `command` (a shell script) on the first connection. */
async function activate(tool: string, listen: string[], env: Record<string, string>, script: string): Promise<{ child: ChildProcess; output: () => string }> {
  const args = [...listen.flatMap((l) => ["-l", l]), ...Object.entries(env).flatMap(([k, v]) => ["-E", `${k}=${v}`]), "/bin/sh", "-c", script];
  const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  started.push(child);
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d));
  await waitFor(() => (output.match(/Listening on /g)?.length ?? 0) === listen.length, `systemd-socket-activate to listen\n${output}`);
  return { child, output: () => output };
}

/** Runs corral with LISTEN_PID set to its own pid, as systemd would start it (sh's `exec` keeps the pid). */
const corralStart = (name: string, extra = ""): string =>
  `sh -c 'export LISTEN_PID=$$; exec "${process.execPath}" "${CLI}" start "${fixture("hello.cjs")}" --workers 2 --name ${name} ${extra}'`;

test("the app's listen(PORT) is served from the passed socket; one it never listens on is reported", async (t) => {
  const tool = requireTool(t, "systemd-socket-activate");
  if (!tool) return;
  const [port, other] = [await freePort(), await freePort()];
  const home = join(tempDir(), "home");
  const name = "activated";
  const run = await activate(tool, [`127.0.0.1:${port}`, `127.0.0.1:${other}`], { PORT: String(port), CORRAL_HOME: home }, `exec ${corralStart(name)}`);
  // The first connection is the one that starts corral: it waits in the backlog and is served.
  const first = await request(port, "/");
  assert.equal(first.status, 200);
  await waitFor(() => /passed socket 127\.0\.0\.1:\d+ \(fd 4\) is not one the app listens on/.test(run.output()), `the unused socket reported\n${run.output()}`);
  assert.match(run.output(), new RegExp(`serving on passed socket 127\\.0\\.0\\.1:${port} \\(fd 3\\)`));
  const status = await runCli(["status", name, "--json"], { env: { CORRAL_HOME: home } });
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout).listening.map((l: { port: number }) => l.port), [port]);
  const stop = await runCli(["stop", name], { env: { CORRAL_HOME: home } });
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor(() => run.child.exitCode !== null, "systemd-socket-activate's child to exit");
  assert.equal(run.child.exitCode, 0, run.output());
});

test("stopped and started again on the same activation socket: connections queued in between are served", async (t) => {
  const tool = requireTool(t, "systemd-socket-activate");
  if (!tool) return;
  const port = await freePort();
  const dir = tempDir();
  const home = join(dir, "home");
  const gate = join(dir, "gate");
  const name = "restarted";
  // The shell holds the socket between the two corrals, as systemd does across `systemctl restart`.
  const script = `${corralStart(name)}; while [ ! -e "${gate}" ]; do sleep 0.02; done; exec ${corralStart(name)}`;
  const run = await activate(tool, [`127.0.0.1:${port}`], { PORT: String(port), CORRAL_HOME: home }, script);
  const before = JSON.parse((await request(port, "/")).body) as { pid: number };
  assert.equal((await runCli(["stop", name], { env: { CORRAL_HOME: home } })).code, 0);

  // No corral now: these connect (the kernel completes the handshake into the backlog) and wait.
  const queued = Array.from({ length: 8 }, () => {
    let connected = false;
    const reply = new Promise<{ status: number; pid: number }>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 20_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode!, pid: (JSON.parse(body) as { pid: number }).pid }));
      });
      req.on("socket", (socket) => socket.on("connect", () => (connected = true)));
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
    });
    return { reply, connected: () => connected };
  });
  await waitFor(() => queued.every((q) => q.connected()), "the queued connections to be established");
  writeFileSync(gate, "");
  const replies = await Promise.all(queued.map((q) => q.reply));
  assert.deepEqual(replies.map((r) => r.status), Array(8).fill(200), run.output());
  assert.ok(replies.every((r) => r.pid !== before.pid), "served by the second corral's workers");
  assert.equal((await runCli(["stop", name], { env: { CORRAL_HOME: home } })).code, 0);
  await waitFor(() => run.child.exitCode !== null, "the second corral to exit");
  assert.equal(run.child.exitCode, 0, run.output());
});
