/**
 * A JS/TS config file (or a PM2 ecosystem file) is evaluated in a short-lived child process
 * (evaluate-child.ts), never imported into the primary: an ES module, once imported, stays in
 * memory for the process's life, and `corral reload` reads the file anew each time — a primary
 * reloaded daily for months grew by every version of the file and all it kept in module scope.
 * The child costs one node start per read (start, and each reload); it is bounded in time (a config
 * that hangs must not hang `corral start` or `reload`) and in what it may send back.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { badConfig } from "../errors.js";
import type { EnvChanges, EvaluationResult } from "./evaluate-child.js";
import { formatSize } from "./values.js";

export interface EvaluationLimits {
  /** The child is killed after this long. */
  readonly timeoutMs: number;
  /** The JSON it sends back (one app's options are a few KB). */
  readonly maxBytes: number;
}

export const EVALUATION_LIMITS: EvaluationLimits = { timeoutMs: 10_000, maxBytes: 8 * 1024 * 1024 };

/**
 * Built, this module sits beside evaluate-child.js; run from the sources (the unit tests, under tsx)
 * the child is the .ts file and gets tsx too.
 */
const CHILD = new URL(import.meta.url.endsWith(".ts") ? "./evaluate-child.ts" : "./evaluate-child.js", import.meta.url);

function childArgs(): string[] {
  const fromSources = CHILD.pathname.endsWith(".ts") ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : [];
  // Type stripping turned on by a flag of this process (Node 22.6–22.17) must be on in the child as well.
  const typeFlags = process.execArgv.filter((flag) => /^--(?:no-)?experimental-(?:strip|transform)-types$/.test(flag));
  return [...fromSources, ...typeFlags, fileURLToPath(CHILD)];
}

/** The file's default export (a function's result) as data; errors name the file as `shown`. */
export function evaluateConfigModule(file: string, shown: string, cwd: string, limits: EvaluationLimits = EVALUATION_LIMITS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childArgs(), file, cwd], { cwd, stdio: ["ignore", "inherit", "inherit", "pipe"] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let failure: Error | null = null;
    const stop = (error: Error): void => {
      failure ??= error;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      stop(badConfig(shown, `did not finish within ${limits.timeoutMs / 1000} s and was stopped (corral evaluates a config file in a separate process; a promise it exports must settle)`));
    }, limits.timeoutMs);
    // First: an 'error' with no listener would be thrown in the serving primary (corral reload).
    child.on("error", (error) => {
      const why = badConfig(shown, `could not be evaluated: ${error.message}`, error);
      // A child that never started (out of file descriptors: EMFILE) gets no stdio and no 'close'.
      if (child.pid === undefined) {
        clearTimeout(timer);
        return reject(why);
      }
      stop(why);
    });
    const answer = child.stdio?.[3];
    if (!answer) return; // not started: its 'error' comes next
    answer.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) stop(badConfig(shown, `gave more than ${formatSize(limits.maxBytes)}B of options`));
      else chunks.push(chunk);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      const text = Buffer.concat(chunks).toString("utf8");
      if (text === "") {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return reject(badConfig(shown, `its evaluation ${how} before giving any options (a process.exit() in the file, or a promise that never settles?)`));
      }
      // Read defensively: this runs in the serving primary (corral reload), where a throw is an outage,
      // and fd 3 is the config's too (a write of its own, or a child killed mid-write, leaves it garbled).
      const result = parseResult(text);
      if (result === null) return reject(badConfig(shown, `its evaluation sent back unreadable options (${code === 0 ? "did the file write to fd 3?" : signal ? `killed by ${signal}` : `exit code ${code}`})`));
      if (result.ok) {
        applyEnv(result.env);
        return resolve(result.value);
      }
      reject(badConfig(shown, result.reason, result.stack === undefined ? undefined : Object.assign(new Error(result.reason), { stack: result.stack })));
    });
  });
}

/** The child's answer, or null if fd 3 carried something else. */
function parseResult(text: string): EvaluationResult | null {
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof result !== "object" || result === null) return null;
  const { ok, env, reason, stack } = result as Record<string, unknown>;
  if (ok === true) return typeof env === "object" && env !== null && !Array.isArray(env) ? (result as EvaluationResult) : null;
  return ok === false && typeof reason === "string" && (stack === undefined || typeof stack === "string") ? (result as EvaluationResult) : null;
}

/** What the file did to its process.env, done to the primary's, as when the file ran inside it. */
function applyEnv(changes: EnvChanges): void {
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
}
