// --log-format json: every line on stdout and stderr is one JSON object; worker lines carry the worker
// id, pid and a level, supervisor lines a level and source "corral".
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { fixture, request, startCorral, waitFor } from "../helpers/corral.js";

interface Line {
  time: string;
  level: string;
  source: string;
  name: string;
  msg: string;
  worker?: number;
  pid?: number;
  stream?: string;
}

function parseLines(text: string, where: string): Line[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`${where} has a line that is not JSON: ${JSON.stringify(line)}`);
      }
    });
}

for (const flag of [["--log-format", "json"], ["--json-logs"]]) {
  test(`${flag.join(" ")}: JSON lines with worker id, pid and level`, async () => {
    const corral = startCorral(["start", fixture("log-lines.cjs"), "-w", "2", "--name", "jsonlogs", ...flag]);
    const port = await corral.ready(2);
    const status = await controlStatus(controlPath(corral.home, "jsonlogs"));
    const pidOf = new Map(status.workers.map((w) => [w.id, w.pid]));
    await waitFor(() => (corral.stdout.match(/split line from/g)?.length ?? 0) === 2, "the split lines");
    await request(port, "/log?text=" + encodeURIComponent("from a request"));
    await waitFor(() => corral.stdout.includes("from a request"), "the request's line");

    const out = parseLines(corral.stdout, "stdout");
    const err = parseLines(corral.stderr, "stderr");
    for (const line of [...out, ...err]) {
      assert.ok(!Number.isNaN(Date.parse(line.time)), `time: ${JSON.stringify(line)}`);
      assert.equal(line.name, "jsonlogs");
      assert.ok(["info", "warn", "error"].includes(line.level), `level: ${JSON.stringify(line)}`);
      if (line.source === "worker") {
        assert.ok(line.worker === 1 || line.worker === 2, `worker: ${JSON.stringify(line)}`);
        assert.equal(line.pid, pidOf.get(line.worker!), `pid of worker ${line.worker}: ${JSON.stringify(line)}`);
      } else {
        assert.equal(line.source, "corral", JSON.stringify(line));
      }
    }
    for (const id of [1, 2]) {
      const mine = (stream: Line[]) => stream.filter((l) => l.source === "worker" && l.worker === id).map((l) => l.msg);
      assert.ok(mine(out).includes(`hello from ${id}`));
      assert.ok(mine(out).includes(`split line from ${id}`), "a line written in two pieces is one line");
      assert.ok(mine(out).includes(`quotes "q" and ünïcødé ✓ from ${id}`));
      assert.ok(mine(err).includes(`warning from ${id}`));
    }
    const workerOut = out.find((l) => l.msg === `hello from 1`)!;
    assert.equal(workerOut.level, "info");
    assert.equal(workerOut.stream, "stdout");
    const workerErr = err.find((l) => l.msg === `warning from 1`)!;
    assert.equal(workerErr.stream, "stderr");
    assert.equal(workerErr.level, "error");
    assert.ok(out.some((l) => l.source === "corral" && l.level === "info" && /worker 1 \(pid \d+\) ready/.test(l.msg)));

    // A crash is a warning from the supervisor, with the worker's pid in its message.
    const victim = pidOf.get(1)!;
    process.kill(victim, "SIGKILL");
    await waitFor(() => corral.stderr.includes(`(pid ${victim})`), "the crash report");
    const crash = parseLines(corral.stderr, "stderr").find((l) => l.source === "corral" && l.msg.includes(`(pid ${victim})`))!;
    assert.equal(crash.level, "warn");

    await corral.stop();
    parseLines(corral.stdout, "stdout");
    parseLines(corral.stderr, "stderr");
  });
}
