/**
 * Start the real `corral` CLI as a child process and talk to it over loopback.
 * Every process started here is tracked and its whole process group killed
 * when the test file ends, whatever happened in the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { constants as osConstants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(ROOT, "dist/cli/main.js");
export const fixture = (name: string): string => join(ROOT, "test/fixtures", name);

const started = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL"); // detached → its own process group: primary and workers
  } catch {
    try { child.kill("SIGKILL"); } catch { /* gone */ }
  }
}

after(() => {
  for (const child of started) killTree(child);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// The runner's overall timeout (scripts/run-tests.mjs) and Ctrl-C end a run with a signal to its process
// group, and `after` hooks do not run then; corral trees live in their own groups, so take them down
// here or they outlive the run.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.once(signal, () => {
    for (const child of started) killTree(child);
    process.exit(128 + osConstants.signals[signal]);
  });
}

export function tempDir(prefix = "corral-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A fresh temp directory holding `files` (relative path → contents), removed when the test file ends. */
export function tempTree(files: Record<string, string>, prefix?: string): string {
  const dir = tempDir(prefix);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

export interface Gate {
  /** Query string for the fixtures' /slow: `gate=<path>` (the request is answered once the gate is open). */
  readonly query: string;
  /** The file whose existence opens the gate, for fixtures that take a path (versioned.mjs startGate). */
  readonly path: string;
  open(): void;
}

/**
 * A gate for a fixture's slow request (hello.cjs, versioned.mjs: `/slow?gate=…`): it stays in flight
 * until the test has seen what it needs, instead of for a fixed time that a loaded machine may outrun.
 */
export function gate(): Gate {
  const path = join(tempDir("corral-gate-"), "open");
  return { query: `gate=${encodeURIComponent(path)}`, path, open: () => writeFileSync(path, "") };
}

export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  node?: string;
  /** Another build's CLI (a readable copy for --user tests: helpers/other-user.ts); default: this repo's dist. */
  cli?: string;
  /** A command corral runs under, e.g. ["unshare", "--pid", "--fork"] (it stays in the process group the helpers kill). */
  wrapper?: string[];
}

export class CorralProcess {
  stdout = "";
  stderr = "";
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly home: string;

  constructor(args: string[], options: RunOptions = {}) {
    this.home = options.env?.CORRAL_HOME ?? tempDir("corral-home-");
    const command = [...(options.wrapper ?? []), options.node ?? process.execPath, options.cli ?? CLI, ...args];
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, CORRAL_HOME: this.home, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    started.add(this.child);
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get pid(): number {
    return this.child.pid!;
  }

  waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(() => this.output.match(pattern), `output ${pattern}\n--- output so far ---\n${this.output}`, timeoutMs);
  }

  /** Waits for `n` "worker N (pid P) ready" lines; returns the port the fixture printed. */
  async ready(n: number, timeoutMs = 20_000): Promise<number> {
    await waitFor(() => (this.output.match(/ready in \d+ ms/g)?.length ?? 0) >= n, `${n} workers ready\n${this.output}`, timeoutMs);
    const match = await this.waitForOutput(/listening (\d+)/);
    return Number(match[1]);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async exit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`corral did not exit within ${timeoutMs} ms\n${this.output}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then the exit code must be `expected` (the output is in the failure message). */
  async stop(expected = 0): Promise<void> {
    this.signal("SIGTERM");
    const { code } = await this.exit();
    if (code !== expected) throw new Error(`corral exited ${code}, expected ${expected}\n${this.output}`);
  }

  kill(): void {
    killTree(this.child);
  }
}

export function startCorral(args: string[], options?: RunOptions): CorralProcess {
  return new CorralProcess(args, options);
}

/** Runs a one-shot CLI command (status, reload, …) to completion. */
export async function runCli(args: string[], options: RunOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = new CorralProcess(args, options);
  const { code } = await proc.exit(options.timeoutMs ?? 30_000);
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, path = "/", options: http.RequestOptions & { body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, agent: false, timeout: 10_000, ...options }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`request ${path} timed out`)));
    // Say which request failed: a bare "socket hang up" does not.
    req.on("error", (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(`${options.method ?? "GET"} ${path} on port ${port}: ${error.message}`), { code: error.code })));
    req.end(options.body);
  });
}

export async function getJson<T = any>(port: number, path = "/", options?: http.RequestOptions): Promise<T> {
  const reply = await request(port, path, options);
  return JSON.parse(reply.body) as T;
}

/** True while the process runs (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}
