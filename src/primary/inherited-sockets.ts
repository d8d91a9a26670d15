/**
 * Listening sockets the primary is given instead of binding them: systemd's socket
 * activation (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES: fds 3, 4, …) and `corral upgrade`
 * (the old primary's sockets, described by CORRAL_UPGRADE_FDS). Each fd's address
 * and port are read from the socket itself (getsockname), so what the app asks for
 * with `listen(PORT)` is served from the socket that matches: the same (address, port),
 * or, when the app gives no address, the same port. The socket is wrapped without
 * calling listen() until an acceptor adopts it: connections wait in the kernel's
 * backlog meanwhile, as they did while no process had it.
 */
import net from "node:net";
import type { ListenRequest, SockName } from "../protocol.js";
import type { TcpHandle } from "../reuse-port-bind.js";

/** How `corral upgrade` describes the fds it passes: JSON [{ fd, role }]. */
export const UPGRADE_FDS_ENV = "CORRAL_UPGRADE_FDS";
/** systemd's first passed fd (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

export interface PassedFd {
  fd: number;
  /** LISTEN_FDNAMES entry, or "admin" / "app" for an upgrade. */
  name: string;
}

export interface InheritedSocket extends PassedFd {
  sockname: SockName;
  handle: TcpHandle;
  adopted: boolean;
}

type CreateServerHandle = (address: null, port: 0, addressType: number, fd: number) => TcpHandle | number;

export class InheritedSockets {
  readonly sockets: InheritedSocket[] = [];
  /** fds that were passed but are not TCP listening sockets we can use (said at start). */
  readonly problems: string[] = [];

  constructor(passed: readonly PassedFd[]) {
    const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
    for (const { fd, name } of passed) {
      // A TCP handle over the fd (net's own helper, as for listen({ fd })); not listened on yet.
      const handle = create(null, 0, 4, fd);
      const out: Record<string, unknown> = {};
      if (typeof handle === "number" || handle.getsockname(out) !== 0 || typeof out.port !== "number") {
        if (typeof handle !== "number") handle.close();
        this.problems.push(`fd ${fd}${name ? ` (${name})` : ""} is not a TCP socket corral can listen on: left alone`);
        continue;
      }
      this.sockets.push({ fd, name, handle, adopted: false, sockname: { address: out.address as string, port: out.port, family: out.family as string } });
    }
  }

  /** The socket for a worker's listen request (taken once: one acceptor owns it), or null to bind as usual. */
  take(request: ListenRequest): InheritedSocket | null {
    if (request.port <= 0) return null;
    const free = this.sockets.filter((s) => !s.adopted && s.name !== "admin" && s.sockname.port === request.port);
    const found = free.find((s) => s.sockname.address === request.address) ?? (request.address === null ? free[0] : undefined);
    if (!found) return null;
    found.adopted = true;
    return found;
  }

  /** The admin server's socket passed by `corral upgrade`, if any. */
  takeAdmin(): InheritedSocket | null {
    const found = this.sockets.find((s) => !s.adopted && s.name === "admin") ?? null;
    if (found) found.adopted = true;
    return found;
  }

  /** Sockets no listen of the app matched (reported once the workers are ready). */
  unused(): InheritedSocket[] {
    return this.sockets.filter((s) => !s.adopted);
  }
}

/** "127.0.0.1:8080 (fd 3, name web)". */
export function describeSocket(socket: InheritedSocket): string {
  const { address, port, family } = socket.sockname;
  const host = family === "IPv6" ? `[${address}]` : address;
  return `${host}:${port} (fd ${socket.fd}${socket.name && socket.name !== "app" ? `, ${socket.name}` : ""})`;
}

/**
 * The fds passed to this process, from systemd's variables (only when LISTEN_PID is this
 * process: they were meant for us, not inherited by accident) or from `corral upgrade`.
 * The variables are removed, so workers (forked with this environment) do not read them.
 */
export function passedFds(env: NodeJS.ProcessEnv, pid = process.pid): PassedFd[] {
  const passed: PassedFd[] = [];
  const count = Number(env.LISTEN_FDS);
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) === pid && Number.isSafeInteger(count) && count > 0) {
    const names = (env.LISTEN_FDNAMES ?? "").split(":");
    for (let i = 0; i < count; i++) passed.push({ fd: FIRST_FD + i, name: names[i] ?? "" });
  }
  const upgrade = env[UPGRADE_FDS_ENV];
  if (upgrade) {
    try {
      const list = JSON.parse(upgrade) as unknown;
      if (Array.isArray(list)) {
        for (const item of list) {
          const { fd, role } = item as { fd?: unknown; role?: unknown };
          if (Number.isSafeInteger(fd) && (fd as number) >= FIRST_FD) passed.push({ fd: fd as number, name: role === "admin" ? "admin" : "app" });
        }
      }
    } catch {
      // not ours to trust: nothing is adopted
    }
  }
  for (const name of ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", UPGRADE_FDS_ENV]) delete env[name];
  return passed;
}
