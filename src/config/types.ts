/**
 * Option types. `CorralOptions` is what users write (CLI flags, config file,
 * `new Corral(...)`, CORRAL_* env) — strings like "10s" and "512M" allowed.
 * `ResolvedOptions` is what the core sees: validated once at the edge, numbers
 * in milliseconds and bytes, frozen.
 */
import type { WorkerIdentity } from "./identity.js";
import type { PortRange } from "./ports.js";

export type BalanceStrategy = "round-robin" | "least-connections" | "ip-hash" | "os";
export const BALANCE_STRATEGIES: readonly BalanceStrategy[] = ["round-robin", "least-connections", "ip-hash", "os"];

export type LogFormat = "prefix" | "raw" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["prefix", "raw", "json"];

export interface CorralOptions {
  /** The app's entry file (JS, ESM, CJS or TypeScript). */
  entry: string;
  /** Worker count: a positive integer, "max" (all usable CPUs) or -1 (one less). Default: usable CPUs. */
  workers?: number | string;
  balance?: BalanceStrategy;
  /** Supervisor name: control socket name and metrics label. Default: the entry's base name. */
  name?: string;
  /** Admin HTTP server: "[HOST:]PORT" or a port number. Off by default. */
  admin?: string | number;
  adminToken?: string;
  waitReady?: boolean;
  listenTimeout?: number | string;
  killTimeout?: number | string;
  hangTimeout?: number | string;
  maxMemory?: number | string;
  maxRestarts?: number;
  /** Failed worker.healthCheck() runs in a row before a worker is replaced (default 3). */
  unhealthyAfter?: number;
  minUptime?: number | string;
  reloadParallel?: number;
  user?: string;
  group?: string;
  /** TCP ports workers may listen on: "80,443,3000-3010" or a list. Default: any. */
  allowPorts?: string | number | Array<string | number>;
  watch?: boolean;
  /** Extra arguments for node in each worker (before the entry). */
  nodeArgs?: string[];
  /** Arguments for the app (after the entry: process.argv.slice(2)). */
  args?: string[];
  /** Extra environment for the workers. */
  env?: Record<string, string>;
  /**
   * dotenv files (node --env-file's format) for the workers, read again by each reload; a later
   * file wins. Precedence: a file < corral's own environment < `env`.
   */
  envFile?: string | string[];
  /** Working directory of the workers. Default: the current directory. */
  cwd?: string;
  logFormat?: LogFormat;
  /** Append every worker's stdout and stderr to this file (%n name, %w worker id, %p pid). */
  logFile?: string;
  /** Worker stderr goes here instead of logFile. */
  errorFile?: string;
  /** Prefix each line of the prefix format with an ISO-8601 time. */
  timestamps?: boolean;
  /** Unwritten output held per destination (stdout, stderr, each log file) before lines are dropped. */
  logBuffer?: number | string;
  /** Most connections held in the primary while no worker can take them. */
  maxQueue?: number;
  /** How long a connection may wait in the primary for a worker before it is closed. */
  queueTimeout?: number | string;
  /** On shutdown, keep serving this long with /readyz at 503 before closing the sockets (for load balancers to notice). */
  shutdownDelay?: number | string;
  /** Interval between worker heartbeats. */
  heartbeatInterval?: number | string;
  /** Replace a worker (gracefully, as a reload does) after it served this many requests; 0 = never. */
  maxRequests?: number | string;
  /** Add 0..N (random, per worker) to maxRequests, so workers started together are not replaced together. */
  maxRequestsJitter?: number | string;
  /** Replace a worker (gracefully) once it is this old, plus up to 10 % at random; 0 = never. */
  maxAge?: number | string;
  /** A cron expression (5 fields, or 6 with seconds first): a rolling reload at each time it names. */
  restartCron?: string;
  /** The variable that holds a worker's 0-based slot number (PM2's instance_var). Default: NODE_APP_INSTANCE. */
  instanceVar?: string;
  /** The app serves nothing (a queue consumer): a worker is ready once started, or on worker.ready() with waitReady. */
  noListen?: boolean;
}

/** Where each value came from, as shown in errors: "--workers", "CORRAL_WORKERS", "corral.config.json: workers". */
export type OptionSources = { [K in keyof CorralOptions]?: string };

export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

export interface ResolvedOptions {
  /** Absolute path of the entry. */
  readonly entry: string;
  readonly workers: number;
  readonly balance: BalanceStrategy;
  readonly name: string;
  readonly admin: AdminAddress | null;
  readonly adminToken: string | null;
  readonly waitReady: boolean;
  readonly listenTimeoutMs: number;
  readonly killTimeoutMs: number;
  readonly hangTimeoutMs: number;
  /** 0 = no limit. */
  readonly maxMemoryBytes: number;
  readonly maxRestarts: number;
  readonly unhealthyAfter: number;
  readonly minUptimeMs: number;
  readonly reloadParallel: number;
  readonly user: string | null;
  readonly group: string | null;
  /** uid/gid the workers run with, looked up from user and group; empty to keep the primary's. */
  readonly workerIdentity: Readonly<WorkerIdentity>;
  /** null: any port. */
  readonly allowPorts: readonly PortRange[] | null;
  readonly watch: boolean;
  readonly nodeArgs: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Absolute paths of the --env-file files, in order. */
  readonly envFiles: readonly string[];
  /** Their variables that reach the workers: those corral's own environment does not set. */
  readonly fileEnv: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFormat: LogFormat;
  /** Absolute path templates (%n, %w, %p), null when not set. */
  readonly logFile: string | null;
  readonly errorFile: string | null;
  readonly timestamps: boolean;
  readonly logBufferBytes: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
  readonly shutdownDelayMs: number;
  readonly heartbeatIntervalMs: number;
  /** 0 = no limit. */
  readonly maxRequests: number;
  readonly maxRequestsJitter: number;
  /** 0 = no limit. */
  readonly maxAgeMs: number;
  readonly restartCron: string | null;
  readonly instanceVar: string;
  readonly noListen: boolean;
  /**
   * Where each given option came from, as errors name it ("--log-file", "CORRAL_LOG_FILE", a config
   * file's key); for messages after resolution, such as a log file that cannot be opened.
   */
  readonly sources?: OptionSources;
}
