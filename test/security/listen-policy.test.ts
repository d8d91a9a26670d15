// The root primary opens every listening socket for its workers. Under --user a
// worker is not root, so what it may ask for is limited: no unix socket paths
// and no fds (node:cluster's own queryServer would create or wrap them as root),
// and with --allow-ports only the listed TCP ports. A refused listen fails in the
// app with EACCES; nothing is opened.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fixture, request, startCorral, tempDir } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";

/** A free privileged port nobody listens on (the refused listen must not fail for being in use). */
const PRIVILEGED_PORT = 7;

test("under --user, a worker cannot listen on a unix path, an fd, or a port outside --allow-ports", async (t: TestContext) => {
  if (process.getuid?.() !== 0) return t.skip("needs root (--user)");
  const install = readableInstall();
  const app = install.add(fixture("listen-probe.cjs"));
  const rootOnly = tempDir("corral-root-only-"); // 0700, root's
  const path = join(rootOnly, "trusted.sock");
  const probes = [`pipe:${path}`, "fd:0", `tcp:${PRIVILEGED_PORT}`, `udp:${PRIVILEGED_PORT}`];
  const corral = startCorral(["start", app, "--workers", "1", "--name", "listen-policy", "--user", "nobody", "--allow-ports", "0,8000-8100"], {
    ...install.run,
    env: { PROBES: probes.join(",") },
  });
  try {
    const port = await corral.ready(1);
    for (const probe of probes) await corral.waitForOutput(new RegExp(`probe ${probe.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} (\\S+)`));
    for (const probe of probes) assert.match(corral.output, new RegExp(`probe ${probe.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} EACCES`), `${probe} refused\n${corral.output}`);
    assert.equal(existsSync(path), false, "no socket was created in root's folder");
    assert.match(corral.output, /refused a listen on ".*trusted\.sock": under --user, workers may listen on ports only/);
    assert.match(corral.output, new RegExp(`refused a listen on udp4 port ${PRIVILEGED_PORT} is not in --allow-ports`));
    assert.match(corral.output, /refused a listen on fd 0/);
    assert.match(corral.output, new RegExp(`could not listen on \\*:${PRIVILEGED_PORT}: EACCES \\(port ${PRIVILEGED_PORT} is not in --allow-ports 0,8000-8100\\)`));
    assert.equal((await request(port, "/")).status, 200, "the app serves on its allowed port");
    await corral.stop(0);
  } finally {
    corral.kill();
  }
});

test("--allow-ports applies without --user too; a bad list exits 2", async () => {
  const corral = startCorral(["start", fixture("listen-probe.cjs"), "--workers", "1", "--name", "allow-ports", "--allow-ports", "0"], {
    env: { PROBES: "tcp:0,tcp:8,udp:0" },
  });
  try {
    await corral.ready(1);
    await corral.waitForOutput(/probe tcp:8 (\S+)/);
    assert.match(corral.output, /probe tcp:8 EACCES/);
    assert.match(corral.output, /probe tcp:0 ok/);
    await corral.waitForOutput(/probe udp:0 (\S+)/);
    assert.match(corral.output, /probe udp:0 ok/, "UDP through node's cluster path still works");
    await corral.stop(0);
  } finally {
    corral.kill();
  }
  const bad = startCorral(["start", fixture("listen-probe.cjs"), "--allow-ports", "80,http"]);
  assert.equal((await bad.exit()).code, 2);
  assert.match(bad.stderr, /--allow-ports: "80,http" is not valid; expected a list of ports/);
});
