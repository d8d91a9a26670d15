/**
 * Which listens a worker may have the primary make. The primary opens every
 * listening socket itself, with its own privileges: under --user it is root and
 * the worker is not, so a worker's listen request is a request to root.
 *
 * - TCP through corral's protocol: any port, unless --allow-ports lists the
 *   permitted ones; a refused listen fails in the app with EACCES.
 * - node:cluster's own `queryServer` (unix socket paths and inherited fds; corral's
 *   worker runtime sends TCP listens its own way): under --user, refused. A root
 *   primary would create any socket path (perhaps one a root service trusts), or
 *   wrap any fd it holds, for an unprivileged worker. The request is answered
 *   with EACCES, so the app's listen() fails as it would without the privilege.
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
  return {
    tcp(request) {
      if (allowPorts === null || portAllowed(allowPorts, request.port)) return null;
      return `port ${request.port} is not in --allow-ports ${formatPortList(allowPorts)}`;
    },
    internal(message) {
      if (!dropsPrivileges) return null;
      const m = message as { cmd?: unknown; act?: unknown; seq?: unknown; address?: unknown; fd?: unknown } | null;
      if (m?.cmd !== "NODE_CLUSTER" || m.act !== "queryServer") return null;
      const what = typeof m.fd === "number" && m.fd >= 0 ? `fd ${m.fd}` : typeof m.address === "string" ? JSON.stringify(m.address.slice(0, 100)) : "a socket";
      return {
        reason: `refused a listen on ${what}: under --user, workers may listen on TCP ports only (the primary would open it as root)`,
        // node:cluster's child matches the answer by `ack`; an errno fails the app's listen() with EACCES.
        reply: { cmd: "NODE_CLUSTER", ack: m.seq, errno: -constants.errno.EACCES },
      };
    },
  };
}
