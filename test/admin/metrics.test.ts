// GET /metrics: corral's series and the app's prom-client metrics summed over the workers, valid for promtool.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import http from "node:http";
import { test } from "node:test";
import { startWithAdmin } from "../helpers/admin.js";
import { fixture, gate, request, waitFor } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

/** Every sample of `name` whose labels include `labels`, as numbers. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const found: number[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = new Map([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => set.get(k) === v)) found.push(Number(match[3]));
  }
  return found;
}
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** The per-worker series come with heartbeats, which these tests wait for: 200 ms apart, not the default 1 s. */
const FAST_HEARTBEATS = ["--heartbeat-interval", "200ms"];

async function scrape(port: number): Promise<string> {
  const reply = await request(port, "/metrics");
  assert.equal(reply.status, 200, reply.body);
  assert.match(String(reply.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  return reply.body;
}

function promtool(path: string, text: string): { code: number | null; output: string } {
  const run = spawnSync(path, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  return { code: run.status, output: run.stdout + run.stderr };
}

test("promtool accepts /metrics: corral's series and the app's own", async (t) => {
  const tool = requireTool(t, "promtool");
  if (!tool) return;
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("prom-app.cjs"), { workers: 2, name: "promtool", args: FAST_HEARTBEATS });
  for (let i = 0; i < 10; i++) await request(appPort, "/hit");
  const text = await waitFor(async () => {
    const body = await scrape(adminPort);
    return sum(samples(body, "corral_worker_requests_total")) === 10 ? body : null;
  }, "heartbeats with the 10 requests");

  const result = promtool(tool, text);
  assert.equal(result.code, 0, `promtool check metrics failed:\n${result.output}\n--- metrics ---\n${text}`);
  for (const name of [
    "corral_workers_desired", "corral_workers_ready", "corral_reloads_total", "corral_handoffs_total", "corral_queued_connections",
    "corral_dropped_connections_total", "corral_log_lines_dropped_total", "corral_primary_resident_memory_bytes", "corral_primary_cpu_seconds_total",
    "corral_worker_up", "corral_worker_state", "corral_worker_restarts_total", "corral_worker_connections",
    "corral_worker_inflight_requests", "corral_worker_requests_total", "corral_worker_event_loop_lag_seconds",
    "corral_worker_event_loop_utilization", "corral_worker_cpu_seconds_total", "corral_worker_resident_memory_bytes",
    "corral_worker_heap_used_bytes", "corral_worker_request_duration_seconds_bucket",
  ]) {
    assert.ok(samples(text, name).length > 0, `${name} missing from\n${text}`);
  }
  assert.deepEqual(samples(text, "corral_worker_up"), [1, 1]);
  assert.deepEqual(samples(text, "corral_workers_ready"), [2]);
  assert.deepEqual(samples(text, "corral_handoffs_total", { strategy: "round-robin" }), [10]);
  assert.equal(sum(samples(text, "corral_worker_request_duration_seconds_count")), 10);
  assert.equal(sum(samples(text, "corral_worker_request_duration_seconds_bucket", { le: "+Inf" })), 10);
  await corral.stop();
});

test("with prom-client's default metrics, promtool only lints prom-client's own gauge names", async (t) => {
  const tool = requireTool(t, "promtool");
  if (!tool) return;
  const { corral, adminPort } = await startWithAdmin(fixture("prom-app.cjs"), {
    workers: 2, name: "promdefaults", run: { env: { PROM_DEFAULT_METRICS: "1" } },
  });
  const text = await scrape(adminPort);
  assert.ok(samples(text, "process_cpu_user_seconds_total").length > 0, "default metrics are gathered");
  const result = promtool(tool, text);
  // prom-client names three gauges *_total (nodejs_active_{handles,requests,resources}_total): a lint
  // warning (exit 3), never a parse error (exit 1), and nothing about corral's series.
  const problems = result.output.split("\n").filter((line) => line.trim() !== "");
  assert.ok(result.code === 0 || result.code === 3, result.output);
  for (const line of problems) assert.match(line, /^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/, result.output);
  await corral.stop();
});

test("an app's prom-client counter incremented N times across workers reads N, and keeps N when a worker dies", async () => {
  const { corral, appPort, adminPort, url } = await startWithAdmin(fixture("prom-app.cjs"), { workers: 2, name: "promsum", args: FAST_HEARTBEATS });
  const N = 40;
  const servedBy = new Set<number>();
  for (let i = 0; i < N; i++) servedBy.add(JSON.parse((await request(appPort, "/hit")).body).worker);
  assert.deepEqual([...servedBy].sort(), [1, 2], "round-robin spread the hits over both workers");

  let text = await scrape(adminPort);
  assert.deepEqual(samples(text, "app_hits_total", { route: "/hit" }), [N]);
  assert.deepEqual(samples(text, "app_payload_bytes_count"), [N]);
  assert.deepEqual(samples(text, "app_payload_bytes_bucket", { le: "100" }), [N]);
  assert.deepEqual(samples(text, "app_payload_bytes_sum"), [50 * N]);
  assert.deepEqual(samples(text, "app_workers_alive"), [2], "gauges are summed too");

  // The killed worker's counts must not vanish: a drop would read as a counter reset in Prometheus.
  await waitFor(async () => sum(samples(await scrape(adminPort), "corral_worker_requests_total")) === N, "heartbeats with every request");
  const victim = JSON.parse((await request(appPort, "/")).body).pid as number;
  const before = await scrape(adminPort);
  process.kill(victim, "SIGKILL");
  text = await waitFor(async () => {
    const body = await scrape(adminPort);
    return samples(body, "corral_workers_ready")[0] === 2 && !samples(body, "corral_worker_pid").includes(victim) ? body : null;
  }, `the killed worker replaced (${url})`, 20_000);
  assert.deepEqual(samples(text, "app_hits_total", { route: "/hit" }), [N]);
  assert.deepEqual(samples(text, "app_payload_bytes_count"), [N]);
  assert.deepEqual(samples(text, "app_workers_alive"), [2], "the dead worker's gauge left with it");
  assert.ok(sum(samples(text, "corral_worker_requests_total")) >= N, text);
  assert.equal(sum(samples(text, "corral_worker_restarts_total")), 1);
  for (const name of ["corral_worker_requests_total", "corral_worker_cpu_seconds_total", "corral_worker_handoffs_total"]) {
    for (const worker of ["1", "2"]) {
      const [was] = samples(before, name, { worker });
      const [now] = samples(text, name, { worker });
      assert.ok(now! >= was!, `${name}{worker="${worker}"} went backwards: ${was} → ${now}`);
    }
  }
  await corral.stop();
});

test("a worker that cannot answer does not stall /metrics: its last figures are used", async () => {
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("prom-app.cjs"), {
    workers: 2, name: "promslow", args: ["--hang-timeout", "30s"],
  });
  for (let i = 0; i < 6; i++) await request(appPort, "/hit");
  assert.deepEqual(samples(await scrape(adminPort), "app_hits_total"), [6]);

  // Block one worker's event loop for longer than a scrape waits (up to 8 s, until the test opens the
  // gate); the first line says it has started.
  let blockDone = false;
  let blockStarted = false;
  const held = gate();
  const blocked = new Promise<void>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: appPort, path: `/block?ms=8000&${held.query}`, agent: false }, (res) => {
      res.once("data", () => (blockStarted = true));
      res.on("end", () => {
        blockDone = true;
        resolve();
      });
      res.resume();
    }).on("error", reject);
  });
  await waitFor(() => blockStarted, "the worker to start blocking");
  const text = await scrape(adminPort);
  assert.equal(blockDone, false, "the scrape answered while a worker was still blocked");
  assert.deepEqual(samples(text, "app_hits_total"), [6], "the blocked worker's hits still count (its previous reply)");
  held.open();
  await blocked;
  await corral.stop();
});

test("requests, in-flight and latency are measured per worker without any change to the app", async () => {
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 2, name: "perrequest", args: FAST_HEARTBEATS });
  // At least 1.2 s (over the 1 s bucket below), and in flight until the test has seen it there.
  const held = gate();
  const slow = request(appPort, `/slow?ms=1200&${held.query}`, { timeout: 60_000 });
  await waitFor(async () => sum(samples(await scrape(adminPort), "corral_worker_inflight_requests")) === 1, "one request in flight");
  await Promise.all([request(appPort, "/slow?ms=300"), request(appPort, "/slow?ms=300")]);
  for (let i = 0; i < 3; i++) await request(appPort, "/");
  held.open();
  await slow;
  const text = await waitFor(async () => {
    const body = await scrape(adminPort);
    return sum(samples(body, "corral_worker_requests_total")) === 6 ? body : null;
  }, "6 requests counted");
  assert.equal(sum(samples(text, "corral_worker_inflight_requests")), 0);
  assert.equal(sum(samples(text, "corral_worker_request_duration_seconds_count")), 6);
  // Each slow request took at least as long as it slept: never in a bucket below that.
  assert.ok(sum(samples(text, "corral_worker_request_duration_seconds_bucket", { le: "0.25" })) <= 3, text);
  assert.ok(sum(samples(text, "corral_worker_request_duration_seconds_bucket", { le: "1" })) <= 5, text);
  assert.equal(sum(samples(text, "corral_worker_request_duration_seconds_bucket", { le: "+Inf" })), 6);
  assert.ok(sum(samples(text, "corral_worker_request_duration_seconds_sum")) >= 1.8, text);
  await corral.stop();
});

test("a burst of scrapes all answer with the same sums", async () => {
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("prom-app.cjs"), { workers: 2, name: "promburst" });
  for (let i = 0; i < 5; i++) await request(appPort, "/hit");
  const bodies = await Promise.all(Array.from({ length: 25 }, () => scrape(adminPort)));
  for (const body of bodies) assert.deepEqual(samples(body, "app_hits_total"), [5]);
  await corral.stop();
  assert.doesNotMatch(corral.output, /MaxListenersExceeded|Warning/);
});
