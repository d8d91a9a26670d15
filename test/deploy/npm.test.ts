// corral started by `npm start`: npm does not pass SIGTERM on through its shell, so when npm goes
// away corral must notice (src/cli/launcher-watch.ts), drain and exit instead of serving on, orphaned.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { CLI, fixture, isAlive, tempDir, waitFor } from "../helpers/corral.js";
import { Daemon } from "../helpers/daemons.js";

async function npmStart(name: string): Promise<{ npm: Daemon; primary: number; workers: number[] }> {
  const dir = tempDir("corral-npm-");
  const script = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} start ${JSON.stringify(fixture("hello.cjs"))} --workers 1 --name ${name}`;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, scripts: { start: script } }));
  const home = join(dir, "home");
  const npm = new Daemon("npm", ["start"], dir, { ...process.env, CORRAL_HOME: home });
  await waitFor(() => /ready in \d+ ms/.test(npm.output), `corral under npm to be ready\n${npm.output}`, 30_000);
  const status = await controlStatus(controlPath(home, name));
  return { npm, primary: status.pid, workers: status.workers.map((w) => w.pid) };
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`${signal} to npm start: corral drains and exits instead of serving on orphaned`, async () => {
    const { npm, primary, workers } = await npmStart(`npm-${signal.toLowerCase()}-${process.pid}`);
    process.kill(npm.child.pid!, signal); // npm only, as `kill` on its pid does
    await waitFor(() => !isAlive(primary), `corral (pid ${primary}) to exit after npm got ${signal}\n${npm.output}`, 15_000);
    await waitFor(() => workers.every((pid) => !isAlive(pid)), "its workers to exit", 5000);
    assert.match(npm.output, /npm started corral and .* exited: shutting down/);
  });
}
