// The admin server's endpoints: probes, status, events, static files, and who may call what.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { openEvents, readySlots, startWithAdmin } from "../helpers/admin.js";
import { fixture, gate, request, startCorral, waitFor } from "../helpers/corral.js";

test("/healthz, /readyz and /status answer on loopback; the status names the admin URL", async () => {
  const { corral, adminPort, url } = await startWithAdmin(fixture("hello.cjs"), { workers: 2, name: "probes" });
  const health = await request(adminPort, "/healthz");
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).pid, corral.pid);
  const ready = await request(adminPort, "/readyz");
  assert.equal(ready.status, 200, ready.body);
  assert.deepEqual(JSON.parse(ready.body), { ok: true, ready: 2, desired: 2 });

  const status = await request(adminPort, "/status");
  assert.equal(status.status, 200);
  assert.equal(status.headers["x-corral-write"], "allowed", "loopback without a token: the dashboard may write");
  const snapshot = JSON.parse(status.body);
  assert.equal(snapshot.admin, url);
  assert.equal(snapshot.name, "probes");
  assert.deepEqual(readySlots(snapshot), [1, 2]);

  assert.equal((await request(adminPort, "/nope")).status, 404);
  const wrongMethod = await request(adminPort, "/metrics", { method: "DELETE" });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.allow, "GET, HEAD");
  await corral.stop();
});

test("/readyz turns 503 as soon as SIGTERM arrives, while a slow request keeps a worker draining", async () => {
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("hello.cjs"), {
    workers: 2, name: "readyz", args: ["--kill-timeout", "30s"],
  });
  assert.equal((await request(adminPort, "/readyz")).status, 200);
  let slowDone = false;
  const held = gate(); // in flight until the checks below are done
  const slow = request(appPort, `/slow?${held.query}`, { timeout: 60_000 }).then((reply) => {
    slowDone = true;
    return reply;
  });
  await waitFor(async () => {
    const snapshot = JSON.parse((await request(adminPort, "/status")).body);
    return snapshot.workers.some((w: { stats: { inflight: number } | null }) => (w.stats?.inflight ?? 0) > 0);
  }, "the slow request in flight");

  corral.signal("SIGTERM");
  const notReady = await waitFor(async () => {
    const reply = await request(adminPort, "/readyz");
    return reply.status === 503 ? reply : null;
  }, "/readyz to fail", 5_000, 10);
  assert.equal(slowDone, false, "readiness failed before the drain finished");
  assert.equal(JSON.parse(notReady.body).reason, "shutting down");
  assert.equal((await request(adminPort, "/healthz")).status, 200, "the primary is still alive while it drains");
  const snapshot = JSON.parse((await request(adminPort, "/status")).body);
  assert.equal(snapshot.shuttingDown, true);

  held.open();
  assert.equal((await slow).status, 200, "the in-flight request finished");
  assert.equal((await corral.exit()).code, 0);
});

test("a public bind without a token exits 2; with a token it starts", async () => {
  const refused = startCorral(["start", fixture("hello.cjs"), "-w", "1", "--name", "public", "--admin", "0.0.0.0:0"]);
  const { code } = await refused.exit();
  assert.equal(code, 2, refused.output);
  assert.match(refused.stderr, /--admin/);
  assert.match(refused.stderr, /--admin-token/);
  assert.doesNotMatch(refused.output, /ready in/, "no worker was started");

  const { corral, adminPort, url } = await startWithAdmin(fixture("hello.cjs"), {
    workers: 1, name: "public2", admin: "0.0.0.0:0", args: ["--admin-token", "s3cret-token-0123456789"],
  });
  assert.match(url, /^http:\/\/0\.0\.0\.0:\d+$/);
  assert.equal((await request(adminPort, "/healthz")).status, 200);
  await corral.stop();
});

test("with a token: probes stay open, everything else needs it, writes too", async () => {
  const token = "s3cret-token-0123456789";
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), {
    workers: 1, name: "tokened", args: ["--admin-token", token],
  });
  const bearer = { authorization: `Bearer ${token}` };
  assert.equal((await request(adminPort, "/healthz")).status, 200);
  assert.equal((await request(adminPort, "/readyz")).status, 200);
  for (const path of ["/status", "/metrics", "/events", "/assets/dashboard.js"]) {
    const reply = await request(adminPort, path);
    assert.equal(reply.status, 401, `${path} without the token`);
    assert.equal(reply.headers["www-authenticate"], 'Bearer realm="corral"');
  }
  assert.equal((await request(adminPort, "/status")).headers["x-corral-write"], "token");
  assert.equal((await request(adminPort, "/status", { headers: { authorization: "Bearer wrong" } })).status, 401);
  assert.equal((await request(adminPort, "/status", { headers: { authorization: `Basic ${token}` } })).status, 401);
  const ok = await request(adminPort, "/status", { headers: bearer });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["x-corral-write"], "token");
  assert.equal((await request(adminPort, "/metrics", { headers: bearer })).status, 200);

  const scale = (headers: http.OutgoingHttpHeaders) =>
    request(adminPort, "/scale", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ workers: 2 }) });
  assert.equal((await scale({})).status, 401);
  assert.equal((await scale({ authorization: "Bearer nope" })).status, 401);
  assert.equal(JSON.parse((await request(adminPort, "/status", { headers: bearer })).body).workersDesired, 1, "refused writes changed nothing");
  const scaled = await scale(bearer);
  assert.equal(scaled.status, 200, scaled.body);
  assert.equal(JSON.parse(scaled.body).workers, 2);

  // A browser: the page shows a login form; the right token gives a session cookie that reads and writes.
  const page = await request(adminPort, "/");
  assert.equal(page.status, 401);
  assert.match(page.body, /<form method="post" action="\/login">/);
  const wrong = await request(adminPort, "/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "token=nope" });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers["set-cookie"], undefined);
  const login = await request(adminPort, "/login", {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${encodeURIComponent(token)}`,
  });
  assert.equal(login.status, 303);
  assert.equal(login.headers.location, "/");
  const setCookie = String(login.headers["set-cookie"]);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, new RegExp(token), "the cookie is not the token itself");
  const cookie = setCookie.split(";")[0]!;
  assert.equal((await request(adminPort, "/", { headers: { cookie } })).status, 200);
  const withCookie = await request(adminPort, "/status", { headers: { cookie } });
  assert.equal(withCookie.status, 200);
  assert.equal(withCookie.headers["x-corral-write"], "allowed", "the page's plain POSTs carry the cookie");
  const host = `127.0.0.1:${adminPort}`;
  const crossSite = await request(adminPort, "/reload", { method: "POST", headers: { cookie, origin: "http://evil.example" } });
  assert.equal(crossSite.status, 403);
  const sameSite = await request(adminPort, "/reload", { method: "POST", headers: { cookie, origin: `http://${host}` } });
  assert.equal(sameSite.status, 200, sameSite.body);
  await corral.stop();
});

test("loopback without a token: writes work, but not from another site or another host name", async () => {
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 1, name: "guards" });
  const reload = await request(adminPort, "/reload", { method: "POST" });
  assert.equal(reload.status, 200, reload.body);
  assert.equal((await request(adminPort, "/reload", { method: "POST", headers: { origin: "http://evil.example" } })).status, 403);
  // DNS rebinding: a hostile name resolving to 127.0.0.1 must not read the status.
  assert.equal((await request(adminPort, "/status", { headers: { host: "evil.example" } })).status, 403);
  assert.equal((await request(adminPort, "/status", { headers: { host: `localhost:${adminPort}` } })).status, 200);
  assert.equal((await request(adminPort, "/status", { headers: { host: `[::1]:${adminPort}` } })).status, 200);
  const bad = await request(adminPort, "/scale", { method: "POST", headers: { "content-type": "application/json" }, body: '{"workers":0}' });
  assert.equal(bad.status, 400);
  await corral.stop();
});

test("static files: types, ETag revalidation, nothing outside the assets directory", async () => {
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 1, name: "static" });
  const page = await request(adminPort, "/");
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-type"]), /^text\/html/);
  assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
  const script = await request(adminPort, "/assets/dashboard.js");
  assert.equal(script.status, 200);
  assert.match(String(script.headers["content-type"]), /^text\/javascript/);
  assert.equal(script.headers["cache-control"], "no-cache");
  const etag = String(script.headers.etag);
  const again = await request(adminPort, "/assets/dashboard.js", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, "");
  assert.equal((await request(adminPort, "/assets/uPlot.iife.min.js")).status, 200, "uPlot is served locally");
  assert.match(String((await request(adminPort, "/assets/dashboard.css")).headers["content-type"]), /^text\/css/);
  for (const path of ["/assets/../server.js", "/assets/%2e%2e/server.js", "/assets/..%2fserver.js", "/assets/%2e%2e%2f%2e%2e%2fpackage.json", "/assets/.hidden.js", "/assets/", "/assets/nope.js", "/assets/dashboard.js%00.css", "/assets/a%5c..%5cserver.js"]) {
    assert.equal((await request(adminPort, path)).status, 404, path);
  }
  await corral.stop();
});

test("/events streams a snapshot now and every second, and a worker-exit when a worker is killed", async () => {
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 2, name: "sse" });
  const stream = await openEvents(adminPort);
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers["content-type"]), /^text\/event-stream/);
  const first = await stream.next((e) => e.event === "snapshot", "a first snapshot", 2_000);
  assert.equal(first.data.name, "sse");
  assert.equal(first.data.workers.length, 2);
  await waitFor(() => stream.events.filter((e) => e.event === "snapshot").length >= 3, "a snapshot every second", 10_000);

  const victim = first.data.workers[0].pid as number;
  process.kill(victim, "SIGKILL");
  const exit = await stream.next((e) => e.event === "worker-exit" && e.data.pid === victim, "the worker-exit event");
  assert.equal(exit.data.signal, "SIGKILL");
  assert.equal(exit.data.expected, false);
  assert.equal(typeof exit.data.time, "number");
  await stream.next((e) => e.event === "worker-ready" && e.data.id === exit.data.id, "its replacement ready");
  stream.close();

  // Many dashboards coming and going leave nothing behind (no listener leak warning, server still fine).
  for (let i = 0; i < 15; i++) (await openEvents(adminPort)).close();
  assert.equal((await request(adminPort, "/healthz")).status, 200);
  await corral.stop();
  assert.doesNotMatch(corral.output, /MaxListenersExceeded/);
});
