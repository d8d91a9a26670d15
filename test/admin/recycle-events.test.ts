// Recycling and --restart-cron change the workers on their own: /events (and so the dashboard's event
// log) says why — worker-recycled with max-requests or max-age and the worker's figures, and a
// reload-start whose cause is "cron".
import assert from "node:assert/strict";
import { test } from "node:test";
import { openEvents, startWithAdmin } from "../helpers/admin.js";
import { fixture, request } from "../helpers/corral.js";
// @ts-expect-error the dashboard's own module, plain JavaScript served to the browser
import { describeEvent } from "../../dist/admin/assets/events.js";

/** The line the dashboard's event log shows for an event. */
const logLine = (kind: string, data: object): string => (describeEvent(kind, data) as { text: string }).text;

test("--max-requests, then --max-age: a worker-recycled event with the reason, the worker's figures and its limit", async () => {
  const { corral, adminPort, appPort } = await startWithAdmin(fixture("hello.cjs"), {
    workers: 1, name: "recycle-events", args: ["--max-requests", "20", "--max-age", "4s", "--heartbeat-interval", "200ms"],
  });
  const stream = await openEvents(adminPort);
  for (let i = 0; i < 25; i++) assert.equal((await request(appPort, "/", { agent: false })).status, 200);
  const served = await stream.next((e) => e.event === "worker-recycled", "a worker-recycled event");
  assert.equal(served.data.reason, "max-requests");
  assert.equal(served.data.id, 1);
  assert.equal(served.data.limit, 20);
  assert.ok(served.data.requests >= 20 && served.data.requests <= 25, JSON.stringify(served.data));
  assert.match(logLine("worker-recycled", served.data), /^Worker 1 \(pid \d+\) served 2\d requests \(--max-requests, its limit 20\); replacing it$/);
  await stream.next((e) => e.event === "worker-exit" && e.data.pid === served.data.pid && e.data.expected, "the recycled worker's exit");

  // Its replacement serves nothing and grows old.
  const aged = await stream.next((e) => e.event === "worker-recycled" && e.data.pid !== served.data.pid, "a second worker-recycled event");
  assert.equal(aged.data.reason, "max-age");
  assert.ok(aged.data.ageMs >= 4_000 && aged.data.limit >= 4_000 && aged.data.limit < 4_400, JSON.stringify(aged.data));
  assert.match(logLine("worker-recycled", aged.data), /^Worker 1 \(pid \d+\) is \ds old \(--max-age, its limit 4s\); replacing it$/);
  stream.close();
  await corral.stop();
});

test("--restart-cron: a reload-start whose cause is cron", async () => {
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 1, name: "cron-events", args: ["--restart-cron", "*/2 * * * * *"] });
  const stream = await openEvents(adminPort);
  const reload = await stream.next((e) => e.event === "reload-start", "a reload started by --restart-cron");
  assert.deepEqual([reload.data.cause, reload.data.workers], ["cron", 1]);
  assert.equal(logLine("reload-start", reload.data), "Rolling reload of 1 worker started by --restart-cron");
  await stream.next((e) => e.event === "reload-done", "the cron reload done");
  stream.close();
  await corral.stop();
});
