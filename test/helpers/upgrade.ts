/**
 * Shared by the `corral upgrade` tests: a supervisor running the versioned fixture on a fixed
 * port (the new primary's app must ask for the same one), and `upgrade` through the real CLI.
 * New primaries are detached from the test's process group: they are killed when the file ends.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import type { SupervisorSnapshot } from "../../src/status.js";
import { controlPath, controlStatus } from "./control-socket.js";
import { fixture, runCli, startCorral, tempDir } from "./corral.js";
import { freePort } from "./daemons.js";

export const successors = new Set<number>();
after(() => {
  for (const pid of successors) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

let counter = 0;

export async function startVersioned(workers: number, args: string[] = [], node?: string) {
  const dir = tempDir("corral-upgrade-");
  const name = `up-${process.pid}-${++counter}`;
  const port = await freePort();
  const versionFile = join(dir, "version.json");
  const deploy = (config: object): void => writeFileSync(versionFile, JSON.stringify(config));
  deploy({ version: "v1" });
  const env = { CORRAL_HOME: join(dir, "home"), VERSION_FILE: versionFile, EVENT_LOG: join(dir, "events.log"), PORT: String(port) };
  const corral = startCorral(["start", fixture("versioned.mjs"), "--name", name, "--workers", String(workers), ...args], { env, node });
  await corral.ready(workers, 30_000);
  const socket = controlPath(env.CORRAL_HOME, name);
  const status = (): Promise<SupervisorSnapshot> => controlStatus(socket);
  const upgrade = async (cliArgs: string[] = []) => {
    const result = await runCli(["upgrade", name, ...cliArgs], { env, timeoutMs: 60_000 });
    const pid = Number(result.stdout.match(/to pid (\d+)/)?.[1]);
    if (pid) successors.add(pid);
    return { ...result, pid };
  };
  return { corral, name, port, env, deploy, status, upgrade };
}
