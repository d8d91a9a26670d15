// Idle connections to the admin port must not cut the app off. The supervisor
// runs with a low fd limit (512), and another user (nobody) keeps 2,000 idle
// connections open against its admin port while clients use the app: every app
// request succeeds, the admin server holds at most its cap, and answers again
// once the flood is over. (Before the fix: the admin server took every fd and
// the app's new connections were reset.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { startWithAdmin } from "../helpers/admin.js";
import { fixture, request, tempDir, waitFor } from "../helpers/corral.js";
import { readableInstall } from "../helpers/other-user.js";
import { underLoad } from "../helpers/load.js";
import { fdCount } from "../helpers/procfs.js";

const FD_LIMIT = 512;
const FLOOD = 2_000;
const FLOOD_SECONDS = 5;

/** A world-readable folder with the flood script and a node wrapper that lowers the fd limit. */
function setup(): { flood: string; limitedNode: string } {
  const dir = tempDir("corral-flood-");
  chmodSync(dir, 0o755);
  const flood = join(dir, "idle-flood.cjs");
  copyFileSync(fixture("idle-flood.cjs"), flood);
  chmodSync(flood, 0o644);
  const limitedNode = join(dir, "node-limited");
  writeFileSync(limitedNode, `#!/bin/sh\nexec prlimit --nofile=${FD_LIMIT}:${FD_LIMIT} "${process.execPath}" "$@"\n`, { mode: 0o755 });
  return { flood, limitedNode };
}

test(`${FLOOD} idle admin connections from another user leave the app at 100 % (fd limit ${FD_LIMIT})`, async () => {
  const { flood, limitedNode } = setup();
  const { corral, appPort, adminPort } = await startWithAdmin(fixture("hello.cjs"), {
    workers: 2, name: "admin-flood", run: { node: limitedNode },
  });
  try {
    // As nobody when we are root: the flood needs no token, no request, no privilege.
    const asOther = process.getuid?.() === 0 ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : [];
    let peakFds = 0;
    let last = { open: 0, attempts: 0, maxOpen: 0 };
    const load = await underLoad(appPort, { keepAlive: 2, fresh: 3 }, async (load) => {
      await load.progress(50);
      // nobody runs a node it can reach (this one may sit in a private clone's .tools).
      const otherNode = asOther.length ? readableInstall().node : process.execPath;
      const flooder = spawn(asOther[0] ?? process.execPath, [...asOther.slice(1), ...(asOther.length ? [otherNode] : []), flood, String(adminPort), String(FLOOD), String(FLOOD_SECONDS)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      flooder.stdout!.setEncoding("utf8").on("data", (text: string) => {
        const lines = text.trim().split("\n");
        last = JSON.parse(lines[lines.length - 1]!);
      });
      const exited = new Promise<number | null>((resolve) => flooder.on("exit", resolve));
      const sampler = setInterval(() => (peakFds = Math.max(peakFds, fdCount(corral.pid))), 50);
      try {
        assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), FLOOD_SECONDS * 1000 + 10_000))]), 0, "the flood ran");
      } finally {
        clearInterval(sampler);
        flooder.kill("SIGKILL");
      }
    });
    console.log(`# idle flood: ${last.attempts} connection attempts as ${asOther.length ? "nobody" : "this user"}, peak ${last.maxOpen} open on the client side; ` +
      `primary peak ${peakFds}/${FD_LIMIT} fds; app ${load.summary()} (${((100 * load.ok) / load.total).toFixed(2)} %)`);
    assert.ok(last.attempts >= FLOOD, `the flood tried ${last.attempts} connections`);
    assert.ok(load.ok >= 100, `the app kept serving: ${load.summary()}`);
    assert.ok(peakFds < FD_LIMIT - 64, `the primary kept fds in reserve: peak ${peakFds} of ${FD_LIMIT}`);
    // Idle ones time out within seconds; the admin server answers again.
    await waitFor(async () => (await request(adminPort, "/healthz").catch(() => ({ status: 0 }))).status === 200, "the admin server to answer after the flood", 15_000);
    await corral.stop(0);
  } finally {
    corral.kill();
  }
});
