/**
 * The programmatic API (`import { Corral } from "corral"`), driven through a
 * real embedding script (test/fixtures/embed.mjs) in its own process — a
 * node:cluster primary per process, and its workers' output must not mix with
 * the test runner's. Checks promises, typed events and errors.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SupervisorSnapshot } from "../../src/status.js";
import { ROOT, fixture, getJson, isAlive, tempDir, waitFor } from "../helpers/corral.js";
import { underLoad } from "../helpers/load.js";

interface ApiLine {
  type: "event" | "result" | "status";
  event?: string;
  payload?: any;
  command?: string;
  ok?: boolean;
  isCorralError?: boolean;
  code?: string;
  message?: string;
  value?: any;
  snapshot?: SupervisorSnapshot;
}

class Embedded {
  readonly lines: ApiLine[] = [];
  output = "";
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private read = 0;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [fixture("embed.mjs")], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.output += chunk;
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) if (line.startsWith("API ")) this.lines.push(JSON.parse(line.slice(4)) as ApiLine);
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** The next line (after the ones already consumed) that matches. */
  async next(match: (line: ApiLine) => boolean, what: string, timeoutMs = 30_000): Promise<ApiLine> {
    return waitFor(() => {
      for (let i = this.read; i < this.lines.length; i++) {
        if (match(this.lines[i]!)) {
          this.read = i + 1;
          return this.lines[i]!;
        }
      }
      return null;
    }, `${what}\n--- output ---\n${this.output}`, timeoutMs);
  }

  result(command: string): Promise<ApiLine> {
    return this.next((l) => l.type === "result" && l.command === command, `result of ${command}`);
  }

  async status(): Promise<SupervisorSnapshot> {
    this.send("status");
    return (await this.next((l) => l.type === "status", "a status")).snapshot!;
  }

  events(name: string): ApiLine[] {
    return this.lines.filter((l) => l.type === "event" && l.event === name);
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
}

const started: Embedded[] = [];
after(() => started.forEach((e) => e.kill()));

describe("new Corral() from the package entry", () => {
  it("start, reload (and a failed one), scale, typed events, errors and a clean stop", async () => {
    const dir = tempDir("corral-api-");
    const versionFile = join(dir, "version.json");
    writeFileSync(versionFile, JSON.stringify({ version: "v1" }));
    const embedded = new Embedded({ EMBED_ENTRY: fixture("versioned.mjs"), VERSION_FILE: versionFile, EVENT_LOG: join(dir, "events.log") });
    started.push(embedded);

    // start() resolves once every worker is ready.
    const start = await embedded.result("start");
    assert.equal(start.ok, true, start.message);
    assert.equal(embedded.events("worker-fork").length, 2);
    assert.equal(embedded.events("worker-ready").length, 2);
    for (const ready of embedded.events("worker-ready")) {
      assert.deepEqual(Object.keys(ready.payload).sort(), ["id", "pid", "startMs"]);
    }
    // One supervisor per process: node:cluster has one primary.
    const second = await embedded.result("second");
    assert.deepEqual([second.ok, second.isCorralError, second.code], [false, true, "CORRAL_ERR_BUSY"]);

    const snapshot = await embedded.status();
    assert.equal(snapshot.name, "embedded");
    assert.equal(snapshot.workersReady, 2);
    const port = snapshot.listening[0]!.port;
    await underLoad(port, { keepAlive: 2 }, async (load) => {
      await load.progress(50);

      writeFileSync(versionFile, JSON.stringify({ version: "v2" }));
      embedded.send("reload");
      const reload = await embedded.result("reload");
      assert.equal(reload.ok, true, reload.message);
      assert.ok(reload.value.ms >= 0);
      assert.deepEqual(embedded.events("reload-start").map((e) => e.payload), [{ workers: 2, cause: "operator" }]);
      assert.equal(embedded.events("reload-done").length, 1);
      assert.equal((await getJson(port, "/")).version, "v2");
      await waitFor(() => embedded.events("worker-exit").length === 2, "the old workers to exit");
      assert.ok(embedded.events("worker-exit").every((e) => e.payload.expected === true));

      writeFileSync(versionFile, JSON.stringify({ version: "v3", broken: true }));
      embedded.send("reload");
      const failed = await embedded.result("reload");
      assert.deepEqual([failed.ok, failed.isCorralError, failed.code], [false, true, "CORRAL_ERR_NOT_READY"]);
      assert.match(failed.message!, /DATABASE_URL is not set/);
      assert.equal(embedded.events("reload-failed").length, 1);
      assert.equal((await getJson(port, "/")).version, "v2");

      writeFileSync(versionFile, JSON.stringify({ version: "v4" }));
      embedded.send("scale 3");
      assert.equal((await embedded.result("scale 3")).ok, true);
      assert.deepEqual(embedded.events("scale").at(-1)!.payload, { from: 2, to: 3 });
      embedded.send("scale 0");
      const bad = await embedded.result("scale 0");
      assert.deepEqual([bad.ok, bad.code], [false, "CORRAL_ERR_BAD_OPTION"]);

      await load.progress(50);
    });

    // A worker that dies is reported (not expected) and its slot restarted.
    const victim = (await embedded.status()).workers[0]!;
    process.kill(victim.pid, "SIGKILL");
    const exit = await embedded.next((l) => l.event === "worker-exit" && l.payload.pid === victim.pid, "the crash to be reported");
    assert.deepEqual(exit.payload, { id: victim.id, pid: victim.pid, code: null, signal: "SIGKILL", expected: false });
    await embedded.next((l) => l.event === "worker-restart" && l.payload.id === victim.id, "the restart");
    await waitFor(async () => (await embedded.status()).workersReady === 3, "the slot to be refilled");

    const pids = (await embedded.status()).workers.map((w) => w.pid);
    embedded.send("stop");
    assert.equal((await embedded.result("stop")).ok, true);
    assert.deepEqual(embedded.events("shutdown").map((e) => e.payload), [{ reason: "stop" }]);
    assert.equal(embedded.events("stopped").length, 1);
    // Nothing of corral's keeps the embedding process alive after stop().
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      embedded.exited,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the embedding process did not exit after stop()\n${embedded.output}`)), 15_000))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 0);
    for (const pid of pids) assert.ok(!isAlive(pid), `worker ${pid} outlived stop()`);
  });
});
