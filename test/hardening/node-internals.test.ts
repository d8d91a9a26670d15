// Every Node internal corral relies on is checked when it starts (src/primary/node-internals.ts):
// on a Node without one, corral exits 1 at once naming the Node version and the internal, instead
// of stalling (a renamed cluster._getServer: no worker would ever be ready) or quietly doing less.
// A preload takes each one away, as a Node release that renamed it would.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, startCorral } from "../helpers/corral.js";

const CASES = [
  { internal: "getServer", named: /lacks cluster\._getServer/ },
  { internal: "onconnection", named: /lacks the listening handle's onconnection/ },
  { internal: "connections", named: /lacks the http server's connections list \(Symbol\(http\.server\.connections\)\)/ },
  { internal: "handleQueue", named: /lacks ChildProcess#_handleQueue/ },
];

for (const { internal, named } of CASES) {
  test(`without ${internal}, corral exits 1 at start naming the Node version and the internal`, async () => {
    const began = Date.now();
    const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", `internals-${internal}`], {
      env: { NODE_OPTIONS: `--require ${fixture("break-internals.cjs")}`, CORRAL_TEST_BREAK: internal },
    });
    const { code } = await corral.exit(15_000);
    const ms = Date.now() - began;
    assert.equal(code, 1, corral.output);
    assert.match(corral.output, new RegExp(`Node ${process.version.replace(/\./g, "\\.")} lacks`), corral.output);
    assert.match(corral.output, named, corral.output);
    assert.match(corral.output, /docs\/internals\.md/);
    assert.doesNotMatch(corral.output, /unexpected error|ready in \d+ ms/, corral.output);
    // Well within --listen-timeout (8 s): no waiting for a worker that can never be ready.
    assert.ok(ms < 8_000, `exited after ${ms} ms`);
  });
}

test("on this Node nothing is missing: corral starts", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "1", "--name", "internals-ok"]);
  await corral.ready(1);
  assert.doesNotMatch(corral.output, /lacks/);
  await corral.stop();
});
