/**
 * Two "hosts" behind a load balancer, on one machine: two corral supervisors
 * (own names, own CORRAL_HOME, app on port 0, admin on a loopback port 0) running
 * test/fixtures/lb-app.cjs. `drainOneHost` is the scenario the deploy/ recipes
 * promise survives: requests flow through the balancer to both hosts, a slow
 * request is in flight on host A, A gets SIGTERM, and no request fails.
 */
import assert from "node:assert/strict";
import { startWithAdmin } from "./admin.js";
import { fixture, gate, getJson, isAlive, request, waitFor, type CorralProcess, type Gate, type Reply } from "./corral.js";
import { Load } from "./load.js";

export interface Host {
  label: string;
  name: string;
  corral: CorralProcess;
  appPort: number;
  adminPort: number;
  workerPids: number[];
}

/**
 * How long the in-flight request on the drained host takes at most: longer than a balancer needs to
 * notice. It ends sooner, once the balancer has been seen to carry on without the host (DRAIN_LOAD).
 */
export const SLOW_MS = 8_000;
/** Requests that must get through the balancer after SIGTERM while the drained host still has one in flight. */
const DRAIN_LOAD = 1_000;
const KILL_TIMEOUT = "30s";

async function startHost(label: string, args: readonly string[]): Promise<Host> {
  const name = `lb-${label.toLowerCase()}-${process.pid}`;
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("lb-app.cjs"), {
    workers: 1,
    name,
    args: ["--kill-timeout", KILL_TIMEOUT, ...args],
    run: { env: { APP_HOST: label, PORT: "0" } },
  });
  const status = await getJson<{ workers: { pid: number }[] }>(adminPort, "/status");
  return { label, name, corral, appPort, adminPort, workerPids: status.workers.map((w) => w.pid) };
}

/** Two corral hosts of one worker each; `args` go to both `corral start` command lines. */
export function startHosts(args: readonly string[] = []): Promise<[Host, Host]> {
  return Promise.all([startHost("A", args), startHost("B", args)]);
}

const slowStarts = (host: Host): number => host.corral.output.match(/slow request started/g)?.length ?? 0;

/** Worker pids that answered `count` requests for `path`, each on a new connection from 127.0.0.1. */
export async function answeringPids(lbPort: number, path: string, count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) {
    const reply = await request(lbPort, path);
    assert.equal(reply.status, 200, reply.body);
    pids.add((JSON.parse(reply.body) as { pid: number }).pid);
  }
  return pids;
}

export interface InFlight {
  reply: Promise<Reply>;
  settled: boolean;
}

/** Sends slow requests through the balancer until one is running on `target`; returns them all. */
async function holdSlowRequestOn(lbPort: number, target: Host, hosts: readonly Host[], held: Gate): Promise<InFlight[]> {
  const sent: InFlight[] = [];
  for (let attempt = 0; attempt < 12 && slowStarts(target) === 0; attempt++) {
    const before = hosts.reduce((sum, host) => sum + slowStarts(host), 0);
    const slow: InFlight = { reply: request(lbPort, `/slow?ms=${SLOW_MS}&${held.query}`, { timeout: 60_000 }), settled: false };
    slow.reply.then(() => (slow.settled = true), () => (slow.settled = true));
    sent.push(slow);
    await waitFor(() => hosts.reduce((sum, host) => sum + slowStarts(host), 0) > before, "the slow request to start on a host", 15_000);
  }
  assert.ok(slowStarts(target) > 0, `no slow request reached host ${target.label} in ${sent.length} tries`);
  return sent;
}

export interface DrainReport {
  load: Load;
  /** Requests host A answered after its SIGTERM (in-flight and already-sent ones). */
  servedByDrainedAfterSignal: number;
  /** SIGTERM → host A's supervisor exited. */
  drainMs: number;
  slowReplies: Reply[];
  exitCode: number | null;
}

export interface DrainHooks {
  /** Runs after SIGTERM, while A drains (its slow request is still in flight). */
  whileDraining?: (context: { drained: Host; slow: InFlight[]; signalledAt: number }) => Promise<void>;
}

export async function drainOneHost(lbPort: number, [drained, other]: [Host, Host], hooks: DrainHooks = {}): Promise<DrainReport> {
  const load = new Load(lbPort, { keepAlive: 4, fresh: 2, pauseMs: 2 }).start();
  try {
    await load.progress(300, 30_000);
    const servedBy = (host: Host): number => host.workerPids.reduce((sum, pid) => sum + (load.byPid.get(pid) ?? 0), 0);
    assert.ok(servedBy(drained) > 0 && servedBy(other) > 0, `both hosts serve through the balancer: ${[...load.byPid]}`);

    const held = gate();
    const slow = await holdSlowRequestOn(lbPort, drained, [drained, other], held);
    const drainedBefore = servedBy(drained);
    const signalledAt = Date.now();
    drained.corral.signal("SIGTERM");
    await hooks.whileDraining?.({ drained, slow, signalledAt });
    await load.progress(DRAIN_LOAD, 30_000);
    held.open();
    const { code } = await drained.corral.exit(45_000);
    const drainMs = Date.now() - signalledAt;
    for (const pid of drained.workerPids) assert.equal(isAlive(pid), false, `worker ${pid} of the drained host exited`);

    const slowReplies = await Promise.all(slow.map((s) => s.reply));
    await load.progress(300, 30_000); // the remaining host carries the whole load
    return { load, servedByDrainedAfterSignal: servedBy(drained) - drainedBefore, drainMs, slowReplies, exitCode: code };
  } finally {
    await load.stop();
  }
}
