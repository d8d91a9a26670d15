// --balance os: each worker listens on its own SO_REUSEPORT socket and the kernel spreads
// connections; the primary only holds the port. Needs Node >= 22.12: the suite runs corral
// under the Node 24 in .tools/node24 for that, and checks the refusal on an older Node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, getJson, runCli, startCorral, waitFor } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const runnerHasReusePort = major > 22 || (major === 22 && minor >= 12);

test("os: every worker binds the same port (given port 0) and the kernel spreads connections over all of them",
  async (t) => {
    // Missing outside CI: a loud skip; in CI: a failure (scripts/install-test-tools.sh installs it).
    const node24 = requireTool(t, "node24");
    if (!node24) return;
    const name = "os-spread";
    const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "2", "--balance", "os", "--name", name], { node: node24 });
    await corral.ready(2);
    // Each worker prints the port its own server listens on.
    const ports = await waitFor(() => {
      const found = [...corral.output.matchAll(/listening (\d+)/g)].map((m) => Number(m[1]));
      return found.length >= 2 ? found : null;
    }, "both workers to print their port");
    assert.equal(new Set(ports).size, 1, `one port for all workers: ${ports}`);
    const port = ports[0]!;

    const pids = new Set<number>();
    for (let i = 0; i < 200 && pids.size < 2; i++) pids.add((await getJson<{ pid: number }>(port)).pid);
    assert.equal(pids.size, 2, "new connections reached both workers");

    const status = JSON.parse((await runCli(["status", name, "--json"], { env: { CORRAL_HOME: corral.home } })).stdout) as {
      balance: string; handoffs: number; listening: { port: number }[]; workers: { pid: number }[];
    };
    assert.equal(status.balance, "os");
    assert.deepEqual(status.listening.map((l) => l.port), [port], "the primary knows the port");
    assert.equal(status.handoffs, 0, "the primary handed off nothing: it is out of the data path");

    // A replacement worker binds the port the primary holds, even though it was port 0.
    const victim = status.workers[0]!.pid;
    process.kill(victim, "SIGKILL");
    await waitFor(() => (corral.output.match(/ready in \d+ ms/g)?.length ?? 0) >= 3, "the replacement to be ready", 20_000);
    const seen = new Set<number>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await getJson<{ pid: number }>(port)).pid);
    assert.equal(seen.size, 2, "both workers, the replacement included, serve the same port");
    assert.ok(!seen.has(victim));

    await corral.stop();
  });

test("os: refused on a Node without reusePort, exit 2 saying why",
  { skip: runnerHasReusePort ? `the test runner's Node ${process.versions.node} has reusePort` : false },
  async () => {
    const { code, stderr } = await runCli(["start", fixture("hello.cjs"), "--balance", "os", "--name", "os-old"]);
    assert.equal(code, 2);
    assert.match(stderr, /--balance: "os" needs the reusePort listen option \(SO_REUSEPORT\)/);
    assert.match(stderr, new RegExp(`Node >= 22\\.12.*Node ${process.versions.node.replace(/\./g, "\\.")}`));
  });
