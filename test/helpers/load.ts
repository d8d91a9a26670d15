/**
 * Continuous client load for lifecycle tests: a few keep-alive clients, each
 * sending one request after another over its own pooled connection (as a
 * proxy or an API client does), plus a client that opens a new connection per
 * request. Every failure (a connection error, a reset, a non-200) is counted,
 * with what it was, so "zero failed requests" is a real assertion.
 *
 * Clients do not retry: a request that fails here would fail for a user.
 */
import assert from "node:assert/strict";
import http from "node:http";

export interface LoadOptions {
  /** Concurrent keep-alive clients (each with one pooled connection). */
  keepAlive?: number;
  /** Concurrent connection-per-request clients. */
  fresh?: number;
  path?: string;
  /** Pause between one client's requests, to leave CPU for the processes under test. */
  pauseMs?: number;
}

export class Load {
  ok = 0;
  failed = 0;
  readonly failures: string[] = [];
  /** Responses that told a keep-alive client to reconnect. */
  connectionClose = 0;
  /** The longest time between two successful responses (ms): a pause in service shows here even with no failure. */
  longestGapMs = 0;
  private lastOkAt = 0;
  /** The same for connections: between two new connections answered (the connection-per-request clients). */
  longestNewConnectionGapMs = 0;
  private lastNewConnectionAt = 0;
  /** Worker pids that answered, and how often. */
  readonly byPid = new Map<number, number>();
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly agents: http.Agent[] = [];

  constructor(
    readonly port: number,
    private readonly options: LoadOptions = {},
  ) {}

  start(): this {
    this.running = true;
    const { keepAlive = 3, fresh = 1 } = this.options;
    for (let i = 0; i < keepAlive; i++) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(agent));
    }
    for (let i = 0; i < fresh; i++) this.loops.push(this.loop(false));
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const agent of this.agents) agent.destroy();
  }

  get total(): number {
    return this.ok + this.failed;
  }

  /** Resolves once `count` more requests have succeeded (bounded by timeoutMs). */
  async progress(count: number, timeoutMs = 15_000): Promise<void> {
    const target = this.ok + count;
    const deadline = Date.now() + timeoutMs;
    while (this.ok < target) {
      if (Date.now() > deadline) throw new Error(`load made no progress: ${this.ok}/${target} ok, ${this.failed} failed: ${this.failures.slice(0, 5).join("; ")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  summary(): string {
    return `${this.ok} ok, ${this.failed} failed${this.failed ? ` (${this.failures.slice(0, 10).join("; ")})` : ""}`;
  }

  private async loop(agent: http.Agent | false): Promise<void> {
    const pause = this.options.pauseMs ?? 1;
    while (this.running) {
      try {
        const { status, close, pid } = await this.once(agent);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        this.ok++;
        const now = Date.now();
        if (this.lastOkAt > 0) this.longestGapMs = Math.max(this.longestGapMs, now - this.lastOkAt);
        this.lastOkAt = now;
        if (!agent) {
          if (this.lastNewConnectionAt > 0) this.longestNewConnectionGapMs = Math.max(this.longestNewConnectionGapMs, now - this.lastNewConnectionAt);
          this.lastNewConnectionAt = now;
        }
        if (close && agent) this.connectionClose++;
        if (pid) this.byPid.set(pid, (this.byPid.get(pid) ?? 0) + 1);
      } catch (error) {
        this.failed++;
        if (this.failures.length < 100) this.failures.push(`${agent ? "keep-alive" : "new connection"}: ${(error as Error).message}`);
      }
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  }

  private once(agent: http.Agent | false): Promise<{ status: number; close: boolean; pid: number }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port: this.port, path: this.options.path ?? "/", agent, timeout: 15_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("error", reject);
        res.on("end", () => {
          let pid = 0;
          try {
            pid = Number((JSON.parse(body) as { pid?: number }).pid) || 0;
          } catch {
            // not JSON: still a response
          }
          resolve({ status: res.statusCode ?? 0, close: res.headers.connection === "close", pid });
        });
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
    });
  }
}

/**
 * Runs `body` under a started Load, stops the load whatever happens, then
 * asserts that no request failed. Returns the stopped load for further checks.
 */
export async function underLoad(port: number, body: (load: Load) => Promise<void>): Promise<Load>;
export async function underLoad(port: number, options: LoadOptions, body: (load: Load) => Promise<void>): Promise<Load>;
export async function underLoad(
  port: number,
  optionsOrBody: LoadOptions | ((load: Load) => Promise<void>),
  maybeBody?: (load: Load) => Promise<void>,
): Promise<Load> {
  const [options, body] = typeof optionsOrBody === "function" ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!];
  const load = new Load(port, options).start();
  try {
    await body(load);
  } finally {
    await load.stop();
  }
  assert.equal(load.failed, 0, load.summary());
  return load;
}
