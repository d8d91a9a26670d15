/**
 * Which listens a worker may have the primary make. The primary opens every
 * listening socket itself, with its own privileges: under --user it is root and
 * the worker is not, so a worker's listen request is a request to root.
 *
 * - TCP through corral's protocol: any port, unless --allow-ports lists the
 *   permitted ones; a refused listen fails in the app with EACCES.
 * - node:cluster's own `queryServer` (unix socket paths, inherited fds, UDP; corral's
 *   worker runtime sends TCP listens its own way): under --user, paths and fds are
 *   refused. A root primary would create any socket path (perhaps one a root
 *   service trusts), or wrap any fd it holds, for an unprivileged worker. UDP ports
 *   follow --allow-ports like TCP. A refused request is answered with EACCES, so the
 *   app's listen() or bind() fails as it would without the privilege.
 */
import { constants } from "node:os";
import { formatPortList, portAllowed, type PortRange } from "../config/ports.js";
import type { ListenRequest } from "../protocol.js";

export interface ListenPolicy {
  /** Why this TCP listen request is refused; null when it may go ahead. */
  tcp(request: Pick<ListenRequest, "port">): string | null;
  /** For the IPC guard: node's own listen requests a worker may not make, and the reply that fails them. */
  internal(message: unknown): { reason: string; reply: unknown } | null;
}

export function listenPolicy(allowPorts: readonly PortRange[] | null, dropsPrivileges: boolean): ListenPolicy {
  const tcp = (request: Pick<ListenRequest, "port">): string | null => {
    if (allowPorts === null || portAllowed(allowPorts, request.port)) return null;
    return `port ${request.port} is not in --allow-ports ${formatPortList(allowPorts)}`;
  };
  return {
    tcp,
    internal(message) {
      const m = message as { cmd?: unknown; act?: unknown; seq?: unknown; address?: unknown; port?: unknown; addressType?: unknown; fd?: unknown } | null;
      if (m?.cmd !== "NODE_CLUSTER" || m.act !== "queryServer") return null;
      const refuse = (reason: string) => ({
        reason: `refused a listen on ${reason}`,
        // node:cluster's child matches the answer by `ack`; an errno fails the app's listen() or bind() with EACCES.
        reply: { cmd: "NODE_CLUSTER", ack: m.seq, errno: -constants.errno.EACCES },
      });
      const byPort = [4, 6, "udp4", "udp6"].includes(m.addressType as never) && typeof m.port === "number" && m.port >= 0;
      if (dropsPrivileges && (!byPort || (typeof m.fd === "number" && m.fd >= 0))) {
        const what = typeof m.fd === "number" && m.fd >= 0 ? `fd ${m.fd}` : typeof m.address === "string" ? JSON.stringify(m.address.slice(0, 100)) : "a socket";
        return refuse(`${what}: under --user, workers may listen on ports only (the primary would open it as root)`);
      }
      // UDP (dgram in a worker) takes node's path: the same port rule as TCP.
      const portRefusal = byPort ? tcp({ port: m.port as number }) : null;
      return portRefusal === null ? null : refuse(`${m.addressType} ${portRefusal}`);
    },
  };
}
