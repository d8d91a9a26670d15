/**
 * The supervisor's lifecycle at its edges: calls before start(), forks after stop() began, a drain
 * order to a worker still booting, options that only look validated, a replacement that keeps failing,
 * and which workers a scale-down retires.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { controlPath, controlRequest, controlStatus, readyPids } from "../helpers/control-socket.js";
import { ROOT, fixture, getJson, startCorral, tempTree, waitFor } from "../helpers/corral.js";
import { startApp } from "../helpers/lifecycle.js";

/** Runs an embedding script (the public API in its own process) and returns what it printed as JSON. */
async function embed(body: string): Promise<Record<string, unknown>> {
  const dir = tempTree({ "embed.mjs": `import { Corral } from ${JSON.stringify(join(ROOT, "dist/index.js"))};\nconst hello = ${JSON.stringify(fixture("hello.cjs"))};\n${body}` });
  const child = spawn(process.execPath, [join(dir, "embed.mjs")], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CORRAL_HOME: join(dir, "home") } });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await new Promise((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `no result from the embedding script:\n${out}`);
  return JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
}

const codeOf = (call: string) => `await (async () => { try { ${call}; return "ok"; } catch (error) { return error.code ?? String(error); } })()`;

describe("lifecycle holes", () => {
  it("scale() and reload() before start() are refused; options that only look resolved are validated", async () => {
    const result = await embed(`
const corral = new Corral({ entry: hello, workers: 1 });
const scale = ${codeOf("await corral.scale(2)")};
const reload = ${codeOf("await corral.reload()")};
let lookalike = "accepted";
try { new Corral({ entry: hello, listenTimeoutMs: 1000, workers: -7, user: null, group: null }); } catch (error) { lookalike = error.code + " " + error.message; }
console.log("RESULT " + JSON.stringify({ scale, reload, lookalike }));
process.exit(0);
`);
    assert.deepEqual([result.scale, result.reload], ["CORRAL_ERR_NOT_RUNNING", "CORRAL_ERR_NOT_RUNNING"]);
    assert.match(String(result.lookalike), /^CORRAL_ERR_BAD_OPTION .*unknown option "listenTimeoutMs"/);
  });

  it("a reload does not start new workers once a shutdown began (during --shutdown-delay)", async () => {
    const app = await startApp(["--shutdown-delay", "3s"], { version: "v1" }, 3);
    app.deploy({ version: "v2", startDelayMs: 300 });
    const reload = app.cli(["reload", app.name]);
    await waitFor(() => app.events().some((l) => l.startsWith("start ") && l.endsWith(" v2")), "the first new worker to start");
    app.corral.signal("SIGTERM");
    assert.equal((await app.corral.exit()).code, 0, app.corral.output);
    const starts = app.events().filter((l) => l.startsWith("start ") && l.endsWith(" v2"));
    assert.equal(starts.length, 1, `only the worker started before SIGTERM:\n${starts.join("\n")}`);
    assert.equal((await reload).code, 1);
  });

  it("SIGTERM right after `scale 4` drains the booting workers at once, not at --kill-timeout", async () => {
    const corral = startCorral(["start", fixture("hello.cjs"), "--workers", "1", "--name", "scale-term", "--kill-timeout", "10s"]);
    await corral.ready(1);
    const scale = controlRequest(controlPath(corral.home, "scale-term"), "POST", "/scale", JSON.stringify({ workers: 4 })).catch(() => null);
    await corral.waitForOutput(/worker 4|scaled/, 5000).catch(() => null);
    const signalledAt = Date.now();
    corral.signal("SIGTERM");
    assert.equal((await corral.exit()).code, 0, corral.output);
    const tookMs = Date.now() - signalledAt;
    await scale;
    assert.doesNotMatch(corral.output, /SIGKILL/);
    assert.ok(tookMs < 4000, `shutdown took ${tookMs} ms`);
  });

  it("a replacement over --max-memory that fails is retried with a backoff, not on every heartbeat", async () => {
    const dir = tempTree({
      "app.cjs": `if (require("node:fs").existsSync(__dirname + "/broken")) throw new Error("the new version cannot start");\nrequire(${JSON.stringify(fixture("faulty.cjs"))});\n`,
    });
    const name = "memory-retry";
    const corral = startCorral(["start", join(dir, "app.cjs"), "--workers", "1", "--name", name, "--max-memory", "64M", "--heartbeat-interval", "100ms"]);
    const port = await corral.ready(1);
    writeFileSync(join(dir, "broken"), ""); // the next version cannot start
    const leaked = await getJson<{ pid: number }>(port, "/leak?mb=80");
    await corral.waitForOutput(/could not replace worker 1/, 10_000);
    const firstFailure = Date.now();
    const failures = (): number => corral.output.match(/could not replace worker 1/g)?.length ?? 0;
    await waitFor(() => Date.now() - firstFailure >= 4000, "4 s to pass", 6000, 100);
    assert.ok(failures() <= 3, `${failures()} replacement attempts in 4 s (one per heartbeat would be ~10+)`);
    assert.deepEqual(await readyPids(controlPath(corral.home, name)), [leaked.pid], "the old worker keeps serving");
    await corral.stop();
  });

  it("scale-down retires a slot that gave up before the only ready worker", async () => {
    const dir = tempTree({
      "app.cjs": `if (process.env.CORRAL_WORKER_ID === "1") throw new Error("slot 1 cannot start");\nrequire(${JSON.stringify(fixture("hello.cjs"))});\n`,
    });
    const name = "scale-errored";
    const corral = startCorral(["start", join(dir, "app.cjs"), "--workers", "2", "--name", name, "--max-restarts", "1"]);
    await corral.ready(1);
    const socket = controlPath(corral.home, name);
    await waitFor(async () => (await controlStatus(socket)).workers.some((w) => w.id === 1 && w.slotState === "errored"), "slot 1 to give up", 20_000);
    const [serving] = await readyPids(socket);
    const reply = await controlRequest(socket, "POST", "/scale", JSON.stringify({ workers: 1 }));
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(await readyPids(socket), [serving], "the ready worker still serves");
    await corral.stop();
  });
});
