/**
 * Wires `corral upgrade` into a supervisor started by `corral start`: only the CLI knows
 * how this process was started (arguments, environment, working directory), and owns the
 * control socket and the admin server whose sockets move to the new primary with the app's.
 */
import { accessSync, constants } from "node:fs";
import type { AdminServer } from "../admin/server.js";
import type { ControlServer } from "../control/server.js";
import { CorralError, badOption } from "../errors.js";
import type { Corral } from "../primary/corral.js";
import type { SdNotify } from "../primary/sd-notify.js";
import { startSuccessor, type Launch } from "../primary/upgrade.js";

export type StartedAs = Omit<Launch, "node">;

/** This process's start: `corral start ARGS` as on disk now, its environment (without what was handed to it) and folder. */
export function launchOf(argv: string[]): StartedAs {
  return { execArgv: [...process.execArgv], cli: process.argv[1]!, args: ["start", ...argv], env: { ...process.env }, cwd: process.cwd() };
}

interface Parts {
  control: () => ControlServer | null;
  admin: () => AdminServer | null;
  shutdown: (reason: string) => Promise<void>;
  /** Under systemd (Type=notify): the main PID moves to the new primary before this one exits. */
  notify: SdNotify | null;
}

export function installUpgrade(corral: Corral, startedAs: StartedAs, parts: Parts): void {
  corral.upgrader = async (node) => {
    // PID 1 in a container: the container ends with us, and the new primary with it.
    if (process.pid === 1) {
      throw new CorralError("CORRAL_ERR_UPGRADE_UNSUPPORTED", "corral runs as PID 1 (a container): containers upgrade by replacement, start the new image and stop this container");
    }
    if (node !== undefined) checkExecutable(node);
    const from = process.pid;
    const result = await startSuccessor({ ...startedAs, node: node ?? process.execPath }, {
      appFds: corral.listeningFds(),
      adminFd: parts.admin()?.fd ?? null,
      listenTimeoutMs: corral.options.listenTimeoutMs,
      stopping: () => corral.shuttingDown,
      log: (level, message) => corral.log(level, message),
      release: async () => {
        corral.stopAccepting();
        await Promise.allSettled([parts.admin()?.close(), parts.control()?.handOver()]);
      },
    });
    corral.log("info", `upgrade: pid ${result.pid} serves now; pid ${from} drains its workers and exits`);
    await parts.notify?.mainPid(result.pid);
    setImmediate(() => void parts.shutdown("upgraded"));
    return result;
  };
}

function checkExecutable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw badOption("--node", path, "the path of an executable node binary");
  }
}
