// A diagnostic whose CLI went away before the file was written (Ctrl-C during `corral profile`, a
// timed-out script): the primary must not keep the file open nor leave its directory (a heap snapshot
// is as big as the worker's heap) behind. Each such abandoned order leaked an fd and a temp directory.
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import http from "node:http";
import { before, test } from "node:test";
import { controlPath } from "../helpers/control-socket.js";
import { fixture, startCorral, tempDir, waitFor, type CorralProcess } from "../helpers/corral.js";
import { mark, since } from "../helpers/output-mark.js";

const NAME = "abandoned";
const tmp = tempDir("corral-abandoned-tmp-");
let corral: CorralProcess;
let socket: string;

before(async () => {
  corral = startCorral(["start", fixture("diagnose-app.cjs"), "--workers", "1", "--name", NAME], { env: { TMPDIR: tmp } });
  await corral.ready(1);
  socket = controlPath(corral.home, NAME);
});


/** What the primary holds open under the temp directory. */
function openUnderTmp(pid: number): string[] {
  const held: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(tmp)) held.push(target);
    } catch {
      // closed while we looked
    }
  }
  return held;
}

test("a profile whose client hung up is removed once written, and its file is not held open", async () => {
  const started = mark(corral);
  const body = JSON.stringify({ kind: "profile", worker: 1, durationMs: 300 });
  const req = http.request({ socketPath: socket, method: "POST", path: "/diagnose", agent: false, headers: { "content-type": "application/json" } });
  req.on("error", () => {});
  req.end(body);
  await waitFor(() => /worker 1 \(pid \d+\): CPU profile for 300 ms/.test(since(corral, started)), "the profile to start", 10_000);
  req.destroy(); // the CLI is gone before the worker has written the file
  // The order finishes in the worker (~300 ms) and the primary learns of it: then nothing may stay behind.
  await waitFor(() => readdirSync(tmp).some((e) => e.startsWith("corral-diagnostic-")), "the order's directory", 5_000).catch(() => {});
  await waitFor(
    () => readdirSync(tmp).filter((e) => e.startsWith("corral-diagnostic-")).length === 0 && openUnderTmp(corral.pid).length === 0,
    `the abandoned profile's directory removed and closed (left: ${readdirSync(tmp).join(", ")}; open: ${openUnderTmp(corral.pid).join(", ")})`,
    10_000,
  );
  // The helpers' own after() SIGKILLs whatever is left: the clean stop is checked here.
  await corral.stop();
});
