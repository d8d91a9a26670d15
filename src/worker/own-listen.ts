/**
 * `--balance os`: the worker's server listens on its own SO_REUSEPORT socket,
 * bound to the port the primary holds for it (see primary/reserved-port.ts), and
 * the kernel balances. The primary is out of the data path; it still hears of
 * the listen (readiness, status) and of the close, as on the shared path.
 */
import type { Server } from "node:net";
import type { SockName } from "../protocol.js";
import { bindReusePort, type TcpHandle } from "../reuse-port-bind.js";
import { sendToPrimary } from "./channel.js";

export class OwnListen {
  closed = false;

  private constructor(
    readonly key: string,
    readonly server: Server,
    readonly handle: TcpHandle,
    release: (listen: OwnListen) => void,
  ) {
    // net closes the handle on server.close() (and when listen() fails): tell the primary then, as
    // PrimaryListenHandle.close does, so a port the app closed everywhere is released.
    const nativeClose = handle.close;
    handle.close = (callback?: () => void): void => {
      if (!this.closed) {
        this.closed = true;
        release(this);
        sendToPrimary({ act: "close", key: this.key });
      }
      nativeClose.call(handle, callback);
    };
  }

  /** Binds the primary's port with SO_REUSEPORT; net then calls listen() on the handle. Returns a negative errno on failure. */
  static bind(key: string, server: Server, sockname: SockName, ipv6Only: boolean, release: (listen: OwnListen) => void): OwnListen | number {
    const addressType = sockname.family === "IPv6" ? 6 : 4;
    const handle = bindReusePort(sockname.address, sockname.port, addressType, ipv6Only);
    if (typeof handle === "number") return handle;
    return new OwnListen(key, server, handle, release);
  }
}
