/**
 * Where SIGUSR1 opens this worker's inspector: a loopback port reserved now
 * (bound to port 0 and released), preset as process.debugPort, and told to the
 * primary. Nothing listens there until the primary sends SIGUSR1 — to read the
 * stack of a worker that hangs (primary/diagnostics/hang-stack.ts) or for
 * `corral inspect` — and the inspector is closed again right after
 * (diagnostics.ts), or dies with the hung worker.
 *
 * The port is ours alone by chance, not by design: any local process can still
 * connect while it is open, which is why it is open only on demand and briefly.
 */
import inspector from "node:inspector";
import net from "node:net";
import { sendToPrimary } from "./channel.js";

export function reserveInspectorPort(): void {
  // The app runs with --inspect already (node args after --): its own port stays as the user set it.
  if (inspector.url() !== undefined) return;
  const probe = net.createServer();
  probe.on("error", () => {}); // no port, no stack on a hang: the primary says so then
  // exclusive: bound here, not through the primary as a cluster worker's listen would be.
  probe.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
    const address = probe.address();
    probe.close();
    if (address === null || typeof address === "string") return;
    try {
      process.debugPort = address.port;
      sendToPrimary({ act: "inspector", port: address.port });
    } catch {
      // A build without the inspector: the primary reports "no stack" on a hang.
    }
  });
  probe.unref();
}
