/**
 * The admin HTTP server (`--admin [HOST:]PORT`):
 *
 *   GET  /            the live dashboard          GET /status   the supervisor snapshot (JSON)
 *   GET  /assets/*    its scripts and styles      GET /events   server-sent events (snapshot every second + events)
 *   GET  /metrics     Prometheus text             GET /healthz  200 while the primary runs
 *   POST /reload      rolling reload              GET /readyz   200 with ≥ 1 ready worker and not shutting down, else 503
 *   POST /scale       {"workers": N}              POST /login   the token form (browsers, when a token is set)
 *
 * Who may call what is AdminAuth's business (auth.ts); reload and scale are the
 * control socket's own handlers (control/routes.ts), so both behave the same.
 *
 * Anyone who can reach the port can open connections, and each is an fd in the
 * supervisor, the process that accepts the app's connections: so at most
 * MAX_CONNECTIONS at a time (node closes the next ones at accept, without a
 * reply), none while the process is short of fds (fd-reserve.ts), and idle or
 * half-sent ones end within seconds (control/request-limits.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { isLoopbackHost } from "../config/admin.js";
import type { AdminAddress } from "../config/types.js";
import { REQUEST_LIMITS } from "../control/request-limits.js";
import { handleWorkerChange, sendJson } from "../control/routes.js";
import { CorralError } from "../errors.js";
import type { InheritedSocket } from "../primary/inherited-sockets.js";
import { AdminAuth, type Access } from "./auth.js";
import { EventStream } from "./events.js";
import { FdReserve } from "./fd-reserve.js";
import { logIn, readTokenForm, sendLoginPage } from "./login.js";
import { MetricsEndpoint } from "./metrics.js";
import { StaticFiles } from "./static.js";
import type { AdminSupervisor } from "./supervisor.js";

/** Dashboards (one event stream each), Prometheus, probes and curl: a few dozen at most in real use. */
export const MAX_CONNECTIONS = 64;
/** Refused connections are reported at most this often, with their count. */
const REPORT_EVERY_MS = 60_000;

export interface AdminServer {
  readonly url: string;
  /** The listening socket's fd (passed on by `corral upgrade`), null once closed. */
  readonly fd: number | null;
  close(): Promise<void>;
}

interface Context {
  corral: AdminSupervisor;
  auth: AdminAuth;
  files: StaticFiles;
  events: EventStream;
  metrics: MetricsEndpoint;
}

function accessOf(method: string, path: string): Access {
  if (path === "/healthz" || path === "/readyz" || path === "/login") return "open";
  return method === "POST" ? "write" : "read";
}

async function route(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin.invalid");
  const path = url.pathname;
  const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
  const { corral, auth } = ctx;

  if (method === "POST" && path === "/login") return logIn(res, auth, await readTokenForm(req), req.socket.remoteAddress);
  const refusal = auth.check(req, accessOf(method, path));
  if (refusal) {
    if (method === "GET" && path === "/" && refusal.status === 401) return sendLoginPage(res);
    res.setHeader("www-authenticate", 'Bearer realm="corral"');
    if (refusal.retryAfterS !== undefined) res.setHeader("retry-after", String(refusal.retryAfterS));
    // The dashboard reads this header even on a refusal, to offer its token field.
    if (path === "/status") res.setHeader("x-corral-write", auth.tokenRequired ? "token" : "denied");
    return sendJson(res, refusal.status, { ok: false, error: refusal.reason, code: "CORRAL_ERR_CONTROL" });
  }

  switch (`${method} ${path}`) {
    case "GET /healthz":
      return sendJson(res, 200, { ok: true, pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000) });
    case "GET /readyz": {
      const ready = corral.readyCount();
      const reason = corral.shuttingDown ? "shutting down" : ready === 0 ? "no worker is ready" : null;
      // Overload stays 200: the workers still serve, and a balancer that took every overloaded host out would have none left.
      const overload = corral.diagnostics.overload;
      return sendJson(res, reason ? 503 : 200, { ok: reason === null, ready, desired: corral.workersDesired, ...(reason ? { reason } : {}), ...(overload ? { overload } : {}) });
    }
    case "GET /status":
      res.setHeader("x-corral-write", auth.writeMode(req));
      res.setHeader("cache-control", "no-store");
      return sendJson(res, 200, corral.snapshot());
    case "GET /metrics": {
      const body = await ctx.metrics.render();
      res.writeHead(200, { "content-type": ctx.metrics.contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
      return void res.end(body);
    }
    case "GET /events":
      if (req.method === "HEAD") return void res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" }).end();
      return ctx.events.open(req, res);
    case "GET /":
    case "GET /index.html":
      return ctx.files.serve(req, res, "index.html");
    case "POST /reload":
    case "POST /scale":
      return handleWorkerChange(corral, req, res);
  }
  if (method === "GET" && path.startsWith("/assets/")) return ctx.files.serve(req, res, path.slice("/assets/".length));
  const allowed = ["/reload", "/scale"].includes(path) ? "POST" : "GET, HEAD";
  if (["/", "/status", "/metrics", "/events", "/healthz", "/readyz", "/reload", "/scale"].includes(path)) {
    res.setHeader("allow", allowed);
    return sendJson(res, 405, { ok: false, error: `${req.method} ${path} is not allowed; use ${allowed}`, code: "CORRAL_ERR_CONTROL" });
  }
  sendJson(res, 404, { ok: false, error: `no route ${req.method} ${path}`, code: "CORRAL_ERR_CONTROL" });
}

/** Logs refused admin connections: the first at once, then at most one line per REPORT_EVERY_MS with the count. */
function refusalReport(corral: AdminSupervisor): (why: string) => void {
  let count = 0;
  let reportedAt = -Infinity;
  return (why) => {
    count++;
    const now = Date.now();
    if (now - reportedAt < REPORT_EVERY_MS) return;
    corral.log("warn", `admin server: refused ${count} connection${count === 1 ? "" : "s"}: ${why}`);
    count = 0;
    reportedAt = now;
  };
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** `inherited`: the admin socket `corral upgrade` passed (listened on as it is, not bound). */
export async function startAdminServer(corral: AdminSupervisor, address: AdminAddress, token: string | null, inherited: InheritedSocket | null = null): Promise<AdminServer> {
  const server = http.createServer(REQUEST_LIMITS);
  server.maxConnections = MAX_CONNECTIONS;
  const reserve = new FdReserve();
  const refused = refusalReport(corral);
  server.prependListener("connection", (socket: Socket) => {
    if (!reserve.isShort()) return;
    socket.destroy();
    refused("the supervisor is short of file descriptors (the rest are kept for the app)");
  });
  server.on("drop", () => refused(`${MAX_CONNECTIONS} connections are open`));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(new CorralError("CORRAL_ERR_CONTROL", `--admin: cannot listen on ${formatUrl(address.host, address.port)}: ${error.code ?? error.message}`, { cause: error }));
    });
    if (inherited) server.listen(inherited.handle, () => resolve());
    else server.listen(address.port, address.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const ctx: Context = {
    corral,
    auth: new AdminAuth(token, isLoopbackHost(address.host), port),
    files: new StaticFiles(),
    events: new EventStream(corral),
    metrics: new MetricsEndpoint(corral),
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    route(ctx, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: (error as Error).message, code: "CORRAL_ERR_CONTROL" });
      else res.destroy();
    });
  });
  // A bad request from one client must not become an uncaught error in the supervisor.
  server.on("clientError", (_error, socket) => socket.destroy());

  const url = formatUrl(address.host, port);
  corral.adminListening(url);
  let closing: Promise<void> | null = null;
  return {
    url,
    get fd() {
      const fd = (server as unknown as { _handle: { fd?: number } | null })._handle?.fd;
      return typeof fd === "number" && fd >= 0 ? fd : null;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        corral.adminClosed(url);
        ctx.events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
