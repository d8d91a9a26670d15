/**
 * Third-party daemons (nginx, HAProxy) for the deploy/ recipe tests: each runs in
 * the foreground in its own process group, from a temp dir holding its config,
 * pid and log files, and is killed when the test file ends, whatever happened.
 *
 * Neither takes port 0, so `freePort` binds port 0, notes the port the kernel
 * gave and releases it; the daemon binds it a moment later. `render` fills a
 * recipe's example addresses with those ports and fails loudly if the recipe no
 * longer contains what the test means to replace.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import { after } from "node:test";
import { waitFor } from "./corral.js";

const started = new Set<ChildProcess>();

// The whole process group, even when its leader has exited: `npm start` killed by a test leaves
// corral (a child in npm's group) running if the test fails before corral noticed.
after(() => {
  for (const child of started) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Replaces every key of `replacements` (each must occur at least once) in `text`. */
export function render(text: string, replacements: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(replacements)) {
    if (!out.includes(from)) throw new Error(`the recipe no longer contains ${JSON.stringify(from)}; update the test's template`);
    out = out.split(from).join(to);
  }
  return out;
}

/** Runs a config check (`nginx -t`, `haproxy -c`) to completion. */
export function check(bin: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(bin, args, { encoding: "utf8", timeout: 30_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

export class Daemon {
  output = "";
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(bin, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    started.add(this.child);
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.output += d));
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** The exit code, or a failure with the daemon's output if it has not exited within `timeoutMs`. */
  exit(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`daemon still running after ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
    });
    return Promise.race([this.exited, late]).finally(() => clearTimeout(timer));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `port` accepts connections (and the daemon is still running). */
  async listening(port: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => {
      if (!this.running) throw new Error(`daemon exited before listening on ${port}:\n${this.output}`);
      return connects(port);
    }, `a daemon listening on ${port}\n${this.output}`, timeoutMs, 50);
  }

  stop(): void {
    if (this.child.pid !== undefined && this.running) process.kill(-this.child.pid, "SIGTERM");
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
