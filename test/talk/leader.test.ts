// worker.onLeader under reloads and SIGKILLs: the workers note when their start and stop
// callbacks run (the test notes when it killed a process); the intervals from a start to its
// stop's end, or to the leader's death, must never overlap, and each gap must be short.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { test } from "node:test";
import { waitFor } from "../helpers/corral.js";
import { controlRequest, readyWorkers } from "../helpers/control-socket.js";
import { startTalkApp, type Note, type TalkApp } from "../helpers/talk.js";

const STOP_MS = 200;
const WORKERS = 3;

interface Term { pid: number; start: number; end: number | null; how: "stopped" | "killed" | "leading" }

/** One interval per start note, ended by its stop-end, or by the kill of its process. */
function terms(notes: Note[]): Term[] {
  const out: Term[] = [];
  for (const note of notes) {
    if (note.ev === "start") out.push({ pid: note.pid, start: note.t, end: null, how: "leading" });
    const open = out.find((t) => t.pid === note.pid && t.end === null);
    if (open && note.ev === "stop-end") Object.assign(open, { end: note.t, how: "stopped" });
    if (open && note.ev === "killed") Object.assign(open, { end: note.t, how: "killed" });
  }
  return out;
}

/** Leadership is held (and not being given up) by a ready worker, every slot serving again. */
async function settled(app: TalkApp, what: string, gone?: number, workers = WORKERS): Promise<void> {
  await waitFor(async () => {
    const status = await app.status();
    return !status.workers.some((w) => w.pid === gone) && status.leader && !status.leader.stopping && readyWorkers(status).length === workers &&
      app.notes().some((n) => n.ev === "start" && n.pid === status.leader!.pid);
  }, `a leader after ${what}\n${app.corral.output.slice(-3000)}`, 15_000);
}

test("leader callbacks never overlap under 5 reloads, 10 SIGKILLs and a scale-down, and leadership comes back within 1 s plus stop", async () => {
  const app = await startTalkApp(WORKERS, ["--max-restarts", "100"], { LEADER_STOP_MS: String(STOP_MS) });
  await settled(app, "start");
  const first = await app.status();
  assert.equal(app.notes().filter((n) => n.ev === "start").length, 1, "exactly one worker started leading");
  assert.match(app.corral.output, new RegExp(`worker ${first.leader!.id} \\(pid ${first.leader!.pid}\\) is the leader`));
  const shown = await app.cli(["status", app.name]);
  assert.match(shown.stdout, new RegExp(`\\n +${first.leader!.id} +${first.leader!.pid} +ready \\(leader\\)`), shown.stdout);

  let kills = 0;
  let killedLeader = 0;
  for (let round = 0; round < 5; round++) {
    const reload = await controlRequest(app.socket, "POST", "/reload", undefined, {}, 60_000);
    assert.equal(reload.status, 200, reload.body);
    await settled(app, `reload ${round + 1}`);
    for (let k = 0; k < 2; k++) {
      const status = await app.status();
      const ready = readyWorkers(status);
      // Every other kill is the leader's, so both paths (stop on drain, grant after death) are exercised.
      const victim = kills % 2 === 0 ? ready.find((w) => w.pid === status.leader!.pid)! : ready[Math.floor(Math.random() * ready.length)]!;
      // The time before the kill: after it, this process may be descheduled for milliseconds while the
      // primary already granted another worker. SIGKILL ends the process within the kill(2) call.
      const killedAt = Date.now();
      process.kill(victim.pid, "SIGKILL");
      appendFileSync(app.log, JSON.stringify({ pid: victim.pid, t: killedAt, ev: "killed" }) + "\n");
      if (victim.pid === status.leader!.pid) killedLeader++;
      kills++;
      await settled(app, `SIGKILL of worker ${victim.id}`, victim.pid);
    }
  }
  assert.equal(kills, 10);
  // Scale-down drains the surplus workers: if the leader is among them, it stops before the survivor leads.
  const scaled = await controlRequest(app.socket, "POST", "/scale", JSON.stringify({ workers: 1 }), {}, 60_000);
  assert.equal(scaled.status, 200, scaled.body);
  await settled(app, "scale to 1", undefined, 1);
  assert.ok(killedLeader >= 5, `the leader itself was killed ${killedLeader} times`);

  const all = terms(app.notes()).sort((a, b) => a.start - b.start);
  assert.ok(all.length >= 5 + 5, `leadership moved on every reload and leader kill: ${all.length} terms`);
  for (let i = 1; i < all.length; i++) {
    const before = all[i - 1]!;
    const after = all[i]!;
    assert.ok(before.end !== null, `term ${i - 1} (pid ${before.pid}) ended before another began: ${JSON.stringify(all)}`);
    assert.ok(after.start >= before.end!, `no overlap: pid ${after.pid} started at ${after.start}, pid ${before.pid} ended at ${before.end} (${before.how})`);
    // The stop began STOP_MS before its end; a kill is the end itself. The grant must follow within 1 s.
    assert.ok(after.start - before.end! <= 1000, `leadership restored within 1 s of the previous leader's end (stop ${STOP_MS} ms before it): gap ${after.start - before.end!} ms after pid ${before.pid} (${before.how})`);
  }
  const stopped = all.filter((t) => t.how === "stopped");
  assert.ok(stopped.length >= 5, `a reload stops the leader's callbacks before another starts: ${stopped.length}`);
  for (const t of stopped) {
    const begin = app.notes().find((n) => n.ev === "stop-begin" && n.pid === t.pid)!;
    assert.ok(t.end! - begin.t >= STOP_MS - 5, "stop ran to its end before the next grant");
  }
  assert.equal(all.at(-1)!.end, null, "someone leads at the end");
  await app.corral.stop();
  const last = app.notes().filter((n) => n.pid === all.at(-1)!.pid).map((n) => n.ev);
  assert.deepEqual(last.slice(-2), ["stop-begin", "stop-end"], "shutdown stops the last leader's callbacks");
});
