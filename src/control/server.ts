/**
 * The control socket: HTTP over a unix socket at $CORRAL_HOME/<name>.sock,
 * spoken by `corral status|reload|scale|stop`. Access control is the
 * filesystem: the socket's directory is private to its owner.
 */
import { existsSync, unlinkSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { nameInUse } from "../errors.js";
import type { Corral } from "../primary/corral.js";
import { ensurePrivateHome, socketPath } from "./paths.js";
import { handleControl } from "./routes.js";

/**
 * A client that sends half a request holds its connection until these expire. Node's defaults
 * (60 s for the headers, 5 min for the whole request, checked every 30 s) are for the internet;
 * our requests are a few bytes from a local CLI. They bound receiving the request only: a reload
 * that takes minutes still gets its answer.
 */
const REQUEST_LIMITS = { headersTimeout: 5_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 } as const;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
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

export async function openControlServer(corral: Corral): Promise<ControlServer> {
  ensurePrivateHome();
  const path = socketPath(corral.options.name);
  if (existsSync(path)) {
    if (await isLive(path)) throw nameInUse(corral.options.name, path);
    unlinkSync(path); // a supervisor that died without cleaning up
  }
  const server = http.createServer(REQUEST_LIMITS, (req, res) => void handleControl(corral, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  let closed = false;
  return {
    path,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
