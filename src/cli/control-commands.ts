/**
 * `corral status [NAME] [--json]`, `corral reload NAME`, `corral scale NAME N`,
 * `corral stop NAME`: each talks to a running supervisor over its control
 * socket. Errors the supervisor reports come back with their code, so a failed
 * reload exits 1 with the app's own error, a bad argument exits 2.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { MAX_WORKERS } from "../config/cpus.js";
import { DEFAULTS } from "../config/defaults.js";
import { checkName } from "../config/resolve.js";
import { CorralError, badOption } from "../errors.js";
import type { SupervisorSnapshot } from "../status.js";
import { callControl, listSockets, unwrap } from "../control/client.js";
import { formatSupervisor, formatSupervisorList } from "./status-format.js";

const HELP = {
  status: "corral status [NAME] [--json]   list running supervisors, or one supervisor's workers\n",
  reload: "corral reload NAME               rolling reload: each worker is replaced by a ready new one\n",
  scale: "corral scale NAME N              run N workers (adds ready workers or drains surplus ones)\n",
  stop: "corral stop NAME                 drain every worker and stop the supervisor; waits until it is gone\n",
} as const;

/** How long `status` waits for each supervisor; a supervisor is a small event loop, it answers fast. */
const STATUS_TIMEOUT_MS = 5_000;
/** After the kill timeout, workers are SIGKILLed; the supervisor then needs a moment to exit. */
const STOP_MARGIN_MS = 10_000;

interface Parsed {
  positionals: string[];
  json: boolean;
  help: boolean;
}

function parse(command: keyof typeof HELP, argv: string[], allowJson = false): Parsed {
  // A negative number ("scale api -1") is a bad N, not an unknown flag: keep it positional.
  const negative = argv.filter((arg) => /^-\d/.test(arg));
  try {
    const { values, positionals } = parseArgs({
      args: argv.filter((arg) => !/^-\d/.test(arg)),
      allowPositionals: true,
      strict: true,
      options: { help: { type: "boolean", short: "h" }, ...(allowJson ? { json: { type: "boolean" as const } } : {}) },
    });
    return { positionals: [...positionals, ...negative], json: values.json === true, help: values.help === true };
  } catch (error) {
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `${(error as Error).message.split("\n")[0]}\nusage: ${HELP[command].trimEnd()}`);
  }
}

function usage(command: keyof typeof HELP, problem: string): CorralError {
  return new CorralError("CORRAL_ERR_BAD_OPTION", `${problem}\nusage: ${HELP[command].trimEnd()}`);
}


/** The one positional NAME (and, for scale, N): exactly `count` positionals. */
function positionals(command: keyof typeof HELP, parsed: Parsed, count: number): string[] {
  if (parsed.positionals.length < count) throw usage(command, count === 1 ? "missing NAME" : "missing NAME or N");
  if (parsed.positionals.length > count) throw usage(command, `unexpected argument "${parsed.positionals[count]}"`);
  return parsed.positionals;
}

export async function status(argv: string[]): Promise<number> {
  const parsed = parse("status", argv, true);
  if (parsed.help) return help("status");
  if (parsed.positionals.length > 1) throw usage("status", `unexpected argument "${parsed.positionals[1]}"`);
  const name = parsed.positionals[0];
  if (name !== undefined) {
    const snapshot = unwrap(await callControl(checkName(name), { method: "GET", path: "/status", timeoutMs: STATUS_TIMEOUT_MS })).status as SupervisorSnapshot;
    process.stdout.write(parsed.json ? `${JSON.stringify(snapshot, null, 2)}\n` : formatSupervisor(snapshot));
    return 0;
  }
  const found: SupervisorSnapshot[] = [];
  const answers = await Promise.all(
    listSockets().map(async (entry) => {
      try {
        return unwrap(await callControl(entry.name, { method: "GET", path: "/status", timeoutMs: STATUS_TIMEOUT_MS })).status as SupervisorSnapshot;
      } catch (error) {
        // A dead supervisor's socket was removed by callControl; anything else is worth a line.
        if (!(error instanceof CorralError && error.code === "CORRAL_ERR_NOT_RUNNING")) {
          process.stderr.write(`corral: ${entry.name}: ${(error as Error).message}\n`);
        }
        return null;
      }
    }),
  );
  for (const answer of answers) if (answer) found.push(answer);
  process.stdout.write(parsed.json ? `${JSON.stringify(found, null, 2)}\n` : formatSupervisorList(found));
  return 0;
}

export async function reload(argv: string[]): Promise<number> {
  const parsed = parse("reload", argv);
  if (parsed.help) return help("reload");
  const [name] = positionals("reload", parsed, 1);
  // No timeout: a reload takes as long as the app needs to start, times the worker count.
  const result = unwrap(await callControl(checkName(name!), { method: "POST", path: "/reload" }));
  process.stdout.write(`reloaded ${name} in ${String(result.ms)} ms\n`);
  return 0;
}

export async function scale(argv: string[]): Promise<number> {
  const parsed = parse("scale", argv);
  if (parsed.help) return help("scale");
  const [name, count] = positionals("scale", parsed, 2);
  const workers = Number(count);
  if (!/^\d+$/.test(count!) || !Number.isSafeInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw badOption("N", count, `an integer from 1 to ${MAX_WORKERS}`);
  }
  const result = unwrap(await callControl(checkName(name!), { method: "POST", path: "/scale", body: { workers } }));
  process.stdout.write(`${name} now runs ${String(result.workers)} worker${result.workers === 1 ? "" : "s"}\n`);
  return 0;
}

export async function stop(argv: string[]): Promise<number> {
  const parsed = parse("stop", argv);
  if (parsed.help) return help("stop");
  const [name] = positionals("stop", parsed, 1);
  const reply = unwrap(await callControl(checkName(name!), { method: "POST", path: "/stop", timeoutMs: STATUS_TIMEOUT_MS }));
  const pid = typeof reply.pid === "number" ? reply.pid : 0;
  const killTimeoutMs = typeof reply.killTimeoutMs === "number" ? reply.killTimeoutMs : DEFAULTS.killTimeoutMs;
  const deadline = Date.now() + killTimeoutMs + STOP_MARGIN_MS;
  while (await stillRunning(name!, pid)) {
    if (Date.now() > deadline) {
      throw new CorralError("CORRAL_ERR_CONTROL", `${name} (pid ${pid}) is still running ${killTimeoutMs + STOP_MARGIN_MS} ms after corral stop`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.stdout.write(`stopped ${name}\n`);
  return 0;
}

/** The supervisor process is alive (a zombie nobody reaped yet counts as gone), or, without a pid, still answers. */
async function stillRunning(name: string, pid: number): Promise<boolean> {
  if (pid > 0) return isAlive(pid);
  try {
    await callControl(name, { method: "GET", path: "/status", timeoutMs: STATUS_TIMEOUT_MS });
    return true;
  } catch (error) {
    if (error instanceof CorralError && error.code === "CORRAL_ERR_NOT_RUNNING") return false;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true; // no procfs (macOS): kill(pid, 0) succeeded, so it runs
  }
}

function help(command: keyof typeof HELP): number {
  process.stdout.write(`usage: ${HELP[command]}`);
  return 0;
}
