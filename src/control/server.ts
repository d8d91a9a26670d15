/**
 * The control socket: HTTP over a unix socket at $CORRAL_HOME/<name>.sock,
 * spoken by `corral status|reload|scale|stop`. Access control is the
 * filesystem: the socket's directory is private to its owner.
 */
import { existsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import net from "node:net";
import { basename, dirname } from "node:path";
import { nameInUse } from "../errors.js";
import type { SupervisorSnapshot } from "../status.js";
import { callControl, unwrap } from "./client.js";
import type { Corral } from "../primary/corral.js";
import { acquireNameLock } from "./name-lock.js";
import { candidateHomes, ensurePrivateHome, untrustedHome } from "./paths.js";
import { REQUEST_LIMITS } from "./request-limits.js";
import { handleControl } from "./routes.js";

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
  /**
   * `corral upgrade`: stop listening and give up the name (socket file and lock) for the new
   * primary, while the request that asked for the upgrade is still answered.
   */
  handOver(): Promise<void>;
}

/** True if something answers on the socket (a live supervisor), false for a stale file. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** "pid 41200, in /srv/api": which project holds the name (undefined if it does not answer in time). */
async function describeRunning(name: string): Promise<string | undefined> {
  try {
    const status = unwrap(await callControl(name, { method: "GET", path: "/status", timeoutMs: 2_000 })).status as SupervisorSnapshot;
    return `pid ${status.pid}, in ${dirname(status.entry)}`;
  } catch {
    return undefined;
  }
}

/** This app's folder name ("blog" for blog/server.js) makes a good second name. */
function suggestName(corral: Corral): string | undefined {
  const folder = basename(dirname(corral.options.entry));
  return /^[A-Za-z0-9._-]{1,64}$/.test(folder) && folder !== corral.options.name ? folder : undefined;
}

export async function openControlServer(corral: Corral): Promise<ControlServer> {
  const name = corral.options.name;
  const home = ensurePrivateHome();
  const path = join(home, `${name}.sock`);
  const inUse = async (where: string, pid?: number): Promise<Error> =>
    nameInUse(name, where, (await describeRunning(name)) ?? (pid ? `pid ${pid}` : undefined), suggestName(corral));
  // The same name may run where the other rules put it (started by systemd, or from a login shell).
  for (const other of candidateHomes()) {
    const elsewhere = join(other, `${name}.sock`);
    if (other !== home && untrustedHome(other) === null && existsSync(elsewhere) && (await isLive(elsewhere))) throw await inUse(elsewhere);
  }
  const lock = acquireNameLock(home, name);
  if ("heldBy" in lock) throw await inUse(path, lock.heldBy);
  const server = http.createServer(REQUEST_LIMITS, (req, res) => void handleControl(corral, req, res));
  try {
    if (existsSync(path)) {
      // Holding the lock, only a supervisor from before locks could answer here.
      if (await isLive(path)) throw await inUse(path);
      unlinkSync(path); // a supervisor that died without cleaning up
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
  } catch (error) {
    lock.release();
    throw error;
  }
  let closed = false;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
    lock.release();
  };
  return {
    path,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      release();
    },
    handOver: async () => {
      // The file goes first: from here on the name is the new primary's, whatever our server does.
      release();
      server.close();
    },
  };
}
