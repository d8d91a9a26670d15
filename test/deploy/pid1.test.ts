// corral as a container's PID 1 (deploy/Dockerfile runs it without npm, a shell or tini): in a fresh
// PID namespace it reaps the workers that exit, and SIGTERM still drains (PID 1 gets no default
// signal actions: only the handlers corral installs). Needs `unshare --pid` (root); skipped otherwise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { CLI, ROOT, fixture, request, runCli, tempDir, waitFor } from "../helpers/corral.js";
import { Daemon } from "../helpers/daemons.js";

const UNSHARE = ["--pid", "--fork", "--mount-proc", "--kill-child"];

function children(pid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  return pids;
}

const state = (pid: number): string => {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
  } catch {
    return "gone";
  }
};

test("corral as PID 1 reaps its exited workers and drains on SIGTERM", async (t) => {
  if (spawnSync("unshare", [...UNSHARE, "true"]).status !== 0) {
    t.skip("unshare --pid is not permitted here (needs root)");
    return;
  }
  const env = { ...process.env, CORRAL_HOME: tempDir("corral-home-"), PORT: "0" };
  const args = [...UNSHARE, process.execPath, CLI, "start", fixture("lb-app.cjs"), "--workers", "2", "--name", `pid1-${process.pid}`, "--kill-timeout", "10s"];
  const ns = new Daemon("unshare", args, ROOT, env);
  await waitFor(() => (ns.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 2, `2 workers ready\n${ns.output}`, 30_000);
  const port = Number(/listening (\d+)/.exec(ns.output)![1]);
  const [corral] = children(ns.child.pid!);
  assert.ok(corral, "unshare forked corral");
  assert.match(readFileSync(`/proc/${corral}/status`, "utf8"), /^NSpid:\s+\d+\s+1$/m, "corral is PID 1 of its namespace");

  await request(port, "/crash").catch(() => undefined); // the worker dies mid-request
  await waitFor(() => (ns.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 3, `the crashed worker replaced\n${ns.output}`, 30_000);
  await waitFor(() => children(corral).every((pid) => state(pid) !== "Z"), "no zombie worker under PID 1", 10_000);
  assert.equal(children(corral).length, 2, "two live workers, no leftover");

  const slow = request(port, "/slow?ms=1500");
  await waitFor(() => ns.output.includes("slow request started"), "the slow request to reach a worker", 10_000);
  process.kill(corral, "SIGTERM");
  assert.equal((await slow).status, 200, "the in-flight request finished");
  assert.equal(await ns.exit(30_000), 0, ns.output);
  assert.match(ns.output, /shutting down \(SIGTERM\)/);
});

test("corral upgrade refuses as PID 1 (exit 2: containers upgrade by replacement) and serves on", async (t) => {
  if (spawnSync("unshare", [...UNSHARE, "true"]).status !== 0) {
    t.skip("unshare --pid is not permitted here (needs root)");
    return;
  }
  const home = tempDir("corral-home-");
  const name = `pid1-up-${process.pid}`;
  const ns = new Daemon("unshare", [...UNSHARE, process.execPath, CLI, "start", fixture("lb-app.cjs"), "--workers", "1", "--name", name], ROOT, { ...process.env, CORRAL_HOME: home, PORT: "0" });
  await waitFor(() => /ready in \d+ ms/.test(ns.output), `the worker ready\n${ns.output}`, 30_000);
  const port = Number(/listening (\d+)/.exec(ns.output)![1]);
  const result = await runCli(["upgrade", name], { env: { CORRAL_HOME: home } });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /corral runs as PID 1 \(a container\): containers upgrade by replacement/);
  assert.equal((await request(port, "/")).status, 200);
  process.kill(children(ns.child.pid!)[0]!, "SIGTERM");
  assert.equal(await ns.exit(30_000), 0, ns.output);
});
