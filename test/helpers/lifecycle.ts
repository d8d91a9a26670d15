/**
 * Shared setup for lifecycle tests: a supervisor running the versioned fixture
 * under its own name and CORRAL_HOME, and helpers to read its state over the
 * real control socket (through the CLI, as an operator would; `socket` for
 * polling it directly).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SupervisorSnapshot } from "../../src/status.js";
import { fixture, runCli, startCorral, tempDir, type CorralProcess } from "./corral.js";
import { controlPath, readyPidsOf } from "./control-socket.js";

export interface VersionConfig {
  version: string;
  broken?: boolean;
  startDelayMs?: number;
  /** A worker of this version listens only once this file exists (a test's gate().path). */
  startGate?: string;
  shutdownHookMs?: number;
  hangOnShutdown?: boolean;
  failOnShutdown?: boolean;
}

export interface App {
  corral: CorralProcess;
  name: string;
  port: number;
  env: Record<string, string>;
  /** Its control socket: poll with controlStatus(app.socket), faster than spawning the CLI. */
  socket: string;
  versionFile: string;
  eventLog: string;
  /** Writes the "deploy" the next worker start will read. */
  deploy(config: VersionConfig): void;
  cli(args: string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  status(): Promise<SupervisorSnapshot>;
  /** Pids of the workers that are some slot's current, ready worker. */
  readyPids(): Promise<number[]>;
  /** Lines of the fixture's event log: "start|listen|shutdown-hook <id> <pid> <version>". */
  events(): string[];
}

let counter = 0;

export async function startApp(args: string[], first: VersionConfig = { version: "v1" }, workers = 2): Promise<App> {
  const dir = tempDir("corral-app-");
  const name = `app-${process.pid}-${++counter}`;
  const versionFile = join(dir, "version.json");
  const eventLog = join(dir, "events.log");
  writeFileSync(eventLog, "");
  const env = { CORRAL_HOME: join(dir, "home"), VERSION_FILE: versionFile, EVENT_LOG: eventLog };
  const deploy = (config: VersionConfig): void => writeFileSync(versionFile, JSON.stringify(config));
  deploy(first);
  const corral = startCorral(["start", fixture("versioned.mjs"), "--name", name, "--workers", String(workers), ...args], { env });
  const port = await corral.ready(workers, 30_000);
  const cli = (cliArgs: string[], timeoutMs = 60_000) => runCli(cliArgs, { env, timeoutMs });
  const status = async (): Promise<SupervisorSnapshot> => {
    const result = await cli(["status", name, "--json"]);
    if (result.code !== 0) throw new Error(`corral status failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as SupervisorSnapshot;
  };
  return {
    corral, name, port, env, socket: controlPath(env.CORRAL_HOME, name), versionFile, eventLog, deploy, cli, status,
    readyPids: async () => readyPidsOf(await status()),
    events: () => readFileSync(eventLog, "utf8").split("\n").filter(Boolean),
  };
}
