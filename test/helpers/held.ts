/**
 * Long-lived client connections for the balancing tests: each opens a TCP
 * connection to a server that greets with one JSON line ({pid, worker}), and
 * stays open until closed, so a worker's open-connection count is under the test's control.
 */
import net from "node:net";
import { controlPath, controlStatus } from "./control-socket.js";
import { waitFor } from "./corral.js";

export interface Held {
  socket: net.Socket;
  pid: number;
  worker: number;
}

export function hold(port: number, localAddress?: string, timeoutMs = 10_000): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    let line = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", function onData(chunk: string) {
      line += chunk;
      const end = line.indexOf("\n");
      if (end < 0) return;
      socket.off("data", onData);
      clearTimeout(timer);
      const { pid, worker } = JSON.parse(line.slice(0, end)) as { pid: number; worker: number };
      resolve({ socket, pid, worker });
    });
  });
}

/** Opens `count` connections one after another (each greeted before the next opens). */
export async function holdMany(port: number, count: number): Promise<Held[]> {
  const held: Held[] = [];
  for (let i = 0; i < count; i++) held.push(await hold(port));
  return held;
}

export function countBy<T>(items: readonly T[], key: (item: T) => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Waits until the supervisor's status shows worker `slot` with `connections` open (as its heartbeats report). */
export async function waitForConnections(name: string, home: string, slot: number, connections: number): Promise<void> {
  let last = "";
  try {
    await waitFor(async () => {
      const status = await controlStatus(controlPath(home, name));
      last = JSON.stringify(status.workers.map((w) => ({ id: w.id, state: w.state, connections: w.stats?.connections })));
      return status.workers.some((w) => w.id === slot && w.state === "ready" && w.stats?.connections === connections);
    }, `worker ${slot} to report ${connections} open connections`, 20_000, 100);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${last}`);
  }
}
