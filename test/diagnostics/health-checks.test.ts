// worker.healthCheck(): a worker whose own check starts failing is replaced after --unhealthy-after
// failures, gracefully (no request fails) and alone; when every worker fails at once that is overload:
// status, /metrics and /readyz say so, and nothing is replaced.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { startWithAdmin } from "../helpers/admin.js";
import { controlStatus, readyPids } from "../helpers/control-socket.js";
import { fixture, getJson, request, tempDir, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";
import { mark, since } from "../helpers/output-mark.js";

const UNHEALTHY_AFTER = 2;

test("a failing health check replaces that worker only; all failing is overload and replaces none", async () => {
  const healthFile = join(tempDir("corral-health-"), "failing");
  writeFileSync(healthFile, "");
  const { corral, appPort, adminPort, socket } = await startWithAdmin(fixture("diagnose-app.cjs"), {
    workers: 2,
    name: "health-checks",
    args: ["--unhealthy-after", String(UNHEALTHY_AFTER), "--heartbeat-interval", "250ms"],
    run: { env: { HEALTH_FILE: healthFile } },
  });
  try {
    const [sick, healthy] = await readyPids(socket);
    const offset = mark(corral);
    await underLoad(appPort, { keepAlive: 2, fresh: 1, pauseMs: 5 }, async () => {
      writeFileSync(healthFile, String(sick));
      await corral.waitForOutput(new RegExp(`\\(pid ${sick}\\) unhealthy: failed ${UNHEALTHY_AFTER} health checks in a row \\(--unhealthy-after ${UNHEALTHY_AFTER}\\): database unreachable from worker \\d: replacing it`));
      await waitFor(async () => {
        const pids = await readyPids(socket);
        return pids.length === 2 && !pids.includes(sick!);
      }, "the sick worker to be replaced", 15_000);
    });
    const pids = await readyPids(socket);
    assert.ok(pids.includes(healthy!), "the healthy worker was left alone");
    assert.doesNotMatch(since(corral, offset), /overload/);

    // Everyone fails: overload, reported, and nothing replaced while it lasts.
    writeFileSync(healthFile, "all");
    const status = await waitFor(async () => {
      const s = await controlStatus(socket);
      return s.diagnostics.overload && s.workers.every((w) => w.state !== "ready" || w.failedHealthChecks >= UNHEALTHY_AFTER + 4) ? s : null;
    }, "every worker to fail well past --unhealthy-after", 15_000);
    assert.match(status.diagnostics.overload!, /^overload: all 2 ready workers fail the app's health check \(database unreachable from worker \d.*\); replacing none$/);
    assert.deepEqual(await readyPids(socket), pids, "no worker replaced during overload");
    assert.match(since(corral, offset), /\[corral\] overload: all 2 ready workers fail/);
    const readyz = await getJson(adminPort, "/readyz");
    assert.equal(readyz.ok, true);
    assert.match(readyz.overload, /^overload: /);
    const metrics = (await request(adminPort, "/metrics")).body;
    assert.match(metrics, /^corral_overload 1$/m);
    assert.match(metrics, /^corral_worker_unhealthy\{worker="1"\} 1$/m);

    writeFileSync(healthFile, "");
    await waitFor(async () => {
      const s = await controlStatus(socket);
      return s.diagnostics.overload === null && s.workers.every((w) => w.failedHealthChecks === 0);
    }, "the overload to end and every check to pass", 10_000);
    assert.match(since(corral, offset), /overload over/);
    assert.match((await request(adminPort, "/metrics")).body, /^corral_worker_unhealthy\{worker="1"\} 0$/m);
    assert.deepEqual(await readyPids(socket), pids, "no worker replaced as the overload ended");
    assert.doesNotMatch(since(corral, offset).slice(since(corral, offset).indexOf("overload:")), /unhealthy: failed/);
    await corral.stop();
  } finally {
    corral.kill();
  }
});
