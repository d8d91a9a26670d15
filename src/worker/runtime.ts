/**
 * The worker runtime, preloaded (`node --import`) into every worker before the
 * app's entry runs. It makes an unmodified app's `listen()` go through the
 * primary, reports readiness and heartbeats, and drains on the primary's order.
 *
 * It activates only inside a corral worker: node:cluster clears NODE_UNIQUE_ID
 * after setting up the worker, so processes the app forks do not see it, and we
 * also remove ourselves from process.execArgv so `child_process.fork()` in the
 * app does not inherit the preload.
 */
import cluster from "node:cluster";
import type { Server, Socket } from "node:net";
import { onPrimaryMessage, sendToPrimary } from "./channel.js";
import { onDiagnosticOrder } from "./diagnostics.js";
import { WorkerDrain } from "./drain.js";
import { startHeartbeat } from "./heartbeat.js";
import { HealthChecks } from "./health-check.js";
import { HttpStats } from "./http-stats.js";
import { reserveInspectorPort } from "./inspector-port.js";
import { ListenRegistry, type ServerListen } from "./listen.js";
import { ListenWatch } from "./listen-watch.js";
import { WorkerMessages } from "./messages.js";
import { setRegistry, type ShutdownHook } from "./shared-state.js";
import { decodeWorkerEnv, type WorkerSettings } from "../worker-env.js";

function stripPreloadFromExecArgv(): void {
  const self = import.meta.url;
  const argv = process.execArgv;
  for (let i = argv.length - 1; i >= 0; i--) {
    if (argv[i] === self && argv[i - 1] === "--import") argv.splice(i - 1, 2);
    else if (argv[i] === `--import=${self}`) argv.splice(i, 1);
  }
}

function main(settings: WorkerSettings): void {
  const { id, waitReady, heartbeatMs } = settings;
  const reportLoad = settings.balance === "least-connections";
  stripPreloadFromExecArgv();

  const stats = new HttpStats();
  const hooks: ShutdownHook[] = [];
  const drain = new WorkerDrain();
  let readySent = false;
  const sendReady = (): void => {
    if (readySent || drain.started) return;
    readySent = true;
    sendToPrimary({ act: "ready" });
  };

  // least-connections needs to hear about closes soon; coalesce them to one message per tick.
  let loadQueued = false;
  const queueLoadReport = (): void => {
    if (loadQueued) return;
    loadQueued = true;
    setImmediate(() => {
      loadQueued = false;
      sendToPrimary({ act: "load", connections: listens.connectionCount() });
    });
  };
  const onConnection = (socket: Socket): void => {
    socket.on("close", queueLoadReport);
  };

  const listens: ListenRegistry = new ListenRegistry({
    onListening(handle: ServerListen) {
      stats.instrument(handle.server);
      if (reportLoad) handle.server.on("connection", onConnection);
    },
    onSettled: () => checkReady(),
  }, settings.balance === "os");
  // Without the hook no listen reaches the primary, and the worker would never be ready: say why instead.
  if (!listens.install()) sendToPrimary({ act: "unsupported", internal: "cluster._getServer" });
  const watch = new ListenWatch((server) => listens.serves(server), () => checkReady());
  watch.install();

  // "Ready" = every server the app opened is listening: wait a turn so that
  // servers opened in the same startup tick have asked too.
  function checkReady(): void {
    if (waitReady) return;
    setImmediate(() => {
      const listening = listens.handles.size + watch.passThrough.size;
      if (listens.pendingCount === 0 && watch.pendingCount === 0 && listening > 0) sendReady();
    });
  }

  const talk = new WorkerMessages(sendToPrimary, (hook) => hooks.push(hook));
  const healthChecks = new HealthChecks(heartbeatMs);
  setRegistry({
    talk,
    id,
    name: settings.name,
    waitReady,
    shutdownHooks: hooks,
    markReady: () => {
      if (waitReady) sendReady();
    },
    setHealthCheck: (check) => healthChecks.set(check),
  });

  const drainNow = (timeoutMs: number): void => {
    const servers: Server[] = [...listens.handles.values()].map((h) => h.server);
    for (const server of watch.passThrough) if (!servers.includes(server)) servers.push(server);
    void drain.start({ servers: () => servers, stats, hooks: [...hooks, tellShutdown] }, timeoutMs);
  };

  onPrimaryMessage((message, handle) => {
    switch (message.act) {
      case "conn":
        listens.accept(message, handle, drain.started);
        break;
      case "listening":
        listens.settle(message);
        break;
      case "drain":
        drainNow(message.timeoutMs);
        break;
      case "talk":
        talk.receive(message);
        break;
      case "leader":
        talk.order(message);
        break;
      case "metrics":
        void import("./app-metrics.js").then(async ({ collectAppMetrics }) => {
          sendToPrimary({ act: "metrics", seq: message.seq, metrics: await collectAppMetrics() });
        });
        break;
      case "diagnostic":
        onDiagnosticOrder(message, hooks);
        break;
    }
  });
  reserveInspectorPort();

  // A terminal signals the whole foreground process group, workers included: Ctrl-C (SIGINT),
  // Ctrl-\ (SIGQUIT), and SIGHUP when it closes. The primary decides what they mean (drain,
  // reload: src/cli/signals.ts), so a worker must not die on them by itself.
  // SIGUSR2 (reopen the log files) reaches every worker when it is sent to the whole unit
  // (`systemctl kill -s USR2` without --kill-who=main, kill -USR2 -PGID): a worker has no file to
  // reopen (its output goes through the primary), and node's default would end it mid-request.
  // A SIGTERM sent to one worker (or to every process of a systemd unit) drains that worker;
  // the primary hears it first, so it stops routing here and keeps the sockets open (this
  // worker's servers closing must not look like the app closing them).
  for (const signal of ["SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR2"] as const) process.on(signal, () => {});
  process.on("SIGTERM", () => {
    if (!drain.started) sendToPrimary({ act: "draining" });
    drainNow(settings.killTimeoutMs);
  });

  // An app that serves nothing (a queue consumer: --no-listen) is ready once started, as PM2's fork mode has it.
  if (settings.noListen && !waitReady) setImmediate(sendReady);

  startHeartbeat(heartbeatMs, {
    connections: () => listens.connectionCount(),
    inflight: () => stats.inflight,
    requests: () => stats.requests,
    latencyCounts: () => stats.latencyCounts.slice(),
    latencySumMs: () => stats.latencySumMs,
  });
}

/**
 * PM2 sends its apps a "shutdown" message (process.on("message", (m) => m === "shutdown")) before it stops
 * them. Here apps hear it once, when the shutdown hooks run: after the drain closed the servers and let
 * in-flight requests finish. Sent as the drain began, the app's own server.close() (Node >= 19 closes idle
 * keep-alive connections at once) reset clients that were sending their next request: 2 of 829 requests
 * failed in a reload under load. Now its server.close() callback runs once the last connection is gone.
 * A listener that throws is reported, and the drain goes on.
 */
function tellShutdown(): void {
  try {
    (process.emit as (event: string, ...args: unknown[]) => boolean).call(process, "message", "shutdown", undefined);
  } catch (error) {
    console.error('[corral] the app\'s process.on("message") listener threw on "shutdown":', error);
  }
}

const settings = cluster.isWorker ? decodeWorkerEnv(process.env) : null;
if (settings) main(settings);
