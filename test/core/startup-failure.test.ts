// An app that never starts fails fast, reported with its own error message and then its stack
// (restart-policy.ts: the start-up rule; crash-report.ts: what the report shows).
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { fixture, startCorral } from "../helpers/corral.js";

/** The supervisor's closing report: everything from its headline on. */
function finalReport(stderr: string): string {
  const at = stderr.indexOf("the app failed to start");
  assert.ok(at >= 0, `no start-up failure report in:\n${stderr}`);
  return stderr.slice(at);
}

test("a start-up throw exits 1 within seconds, and the report shows the error message, the throw site and the stack", async () => {
  const began = Date.now();
  const corral = startCorral(["start", fixture("missing-env.cjs"), "--workers", "2", "--name", "missing-env"]);
  const { code } = await corral.exit(30_000);
  const tookMs = Date.now() - began;
  assert.equal(code, 1, corral.output);
  assert.ok(tookMs < 8000, `gave up after ${tookMs} ms (the full backoff applies only once the app has served)`);
  const report = finalReport(corral.stderr);
  assert.match(report, /^ {2}Error: missing DATABASE_URL$/m, "the message line is in the report");
  assert.match(report, /missing-env\.cjs:8$/m, "the throw site is in the report");
  assert.match(report, /^ {6}at loadConfig \(/m, "then the stack");
  assert.match(report, /\[cause\]: Error: no \.env file/);
  // Three attempts per slot: two restarts each.
  assert.equal(corral.output.match(/restarting worker \d in \d+ ms/g)?.length, 4, corral.output);
  console.log(`# start-up failure: exit 1 after ${tookMs} ms`);
});

test("a port held by another process: exit 1 within seconds, each worker tried once", async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const began = Date.now();
    const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "port-held"], {
      env: { PORT: String(port), HOST: "127.0.0.1" },
    });
    const { code } = await corral.exit(30_000);
    const tookMs = Date.now() - began;
    assert.equal(code, 1, corral.output);
    assert.ok(tookMs < 5000, `gave up after ${tookMs} ms`);
    assert.match(finalReport(corral.stderr), /EADDRINUSE/);
    assert.doesNotMatch(corral.output, /restarting worker/, "a refused listen is not retried before the app served");
    console.log(`# port in use: exit 1 after ${tookMs} ms`);
  } finally {
    holder.close();
  }
});

test("a --wait-ready app that never signals ready: exit 1 after one --listen-timeout", async () => {
  const began = Date.now();
  const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--name", "never-ready", "--wait-ready", "--listen-timeout", "1s"]);
  const { code } = await corral.exit(30_000);
  const tookMs = Date.now() - began;
  assert.equal(code, 1, corral.output);
  assert.ok(tookMs < 5000, `gave up after ${tookMs} ms`);
  assert.match(corral.stderr, /did not become ready within 1000 ms \(--wait-ready/);
  assert.doesNotMatch(corral.output, /restarting worker/);
});
