/**
 * `corral status [NAME] [--json]`, `corral reload [NAME]`, `corral scale [NAME] N`,
 * `corral stop [NAME]`: each talks to a running supervisor over its control
 * socket. Errors the supervisor reports come back with their code, so a failed
 * reload exits 1 with the app's own error, a bad argument exits 2.
 */
import { readFileSync } from "node:fs";
import { MAX_WORKERS } from "../config/cpus.js";
import { DEFAULTS } from "../config/defaults.js";
import { checkName } from "../config/resolve.js";
import { CorralError, badOption } from "../errors.js";
import { pidNamespace } from "../pid-namespace.js";
import type { SupervisorSnapshot } from "../status.js";
import { callControl, listSockets, unwrap } from "../control/client.js";
import { parseCommandArgs, withUsage, type CommandArgs } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";
import { formatSupervisor, formatSupervisorList } from "./status-format.js";

const HELP = {
  status: "corral status [NAME] [--json]   list running supervisors, or one supervisor's workers\n",
  reload: "corral reload [NAME]             rolling reload: each worker is replaced by a ready new one\n",
  scale: "corral scale [NAME] N|max|-1     run N workers (adds ready workers or drains surplus ones)\n",
  stop: "corral stop [NAME]               drain every worker and stop the supervisor; waits until it is gone\n",
} as const;
/** Said once under the commands that act on one supervisor. */
const NAME_NOTE = "NAME may be left out when exactly one corral is running.\n";

/** How long `status` waits for each supervisor; a supervisor is a small event loop, it answers fast. */
const STATUS_TIMEOUT_MS = 5_000;
/** After the kill timeout, workers are SIGKILLed; the supervisor then needs a moment to exit. */
const STOP_MARGIN_MS = 10_000;

type Command = keyof typeof HELP;

function parse(command: Command, argv: string[]): CommandArgs {
  return parseCommandArgs(command, argv, command === "status" ? ["json"] : [], HELP[command]);
}

function usage(command: Command, problem: string): CorralError {
  return withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", problem), HELP[command]);
}

/** [NAME] for reload and stop: the one given, or the only supervisor running. */
async function oneName(command: Command, parsed: CommandArgs): Promise<string> {
  if (parsed.positionals.length > 1) throw usage(command, `unexpected argument "${parsed.positionals[1]}"`);
  return pickSupervisor(parsed.positionals[0], `corral ${command} NAME`);
}

/** What `scale` accepts for N, as --workers does: a count, max (usable CPUs) or -1 (one less). */
const WORKER_COUNT = /^(\d+|max|-1)$/;

export async function status(argv: string[]): Promise<number> {
  const parsed = parse("status", argv);
  if (parsed.switches.has("help")) return help("status");
  if (parsed.positionals.length > 1) throw usage("status", `unexpected argument "${parsed.positionals[1]}"`);
  const name = parsed.positionals[0];
  if (name !== undefined) {
    const snapshot = unwrap(await callControl(checkName(name), { method: "GET", path: "/status", timeoutMs: STATUS_TIMEOUT_MS })).status as SupervisorSnapshot;
    process.stdout.write(parsed.switches.has("json") ? `${JSON.stringify(snapshot, null, 2)}\n` : formatSupervisor(snapshot));
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
  process.stdout.write(parsed.switches.has("json") ? `${JSON.stringify(found, null, 2)}\n` : formatSupervisorList(found));
  return 0;
}

export async function reload(argv: string[]): Promise<number> {
  const parsed = parse("reload", argv);
  if (parsed.switches.has("help")) return help("reload");
  const name = await oneName("reload", parsed);
  // No timeout: a reload takes as long as the app needs to start, times the worker count.
  const result = unwrap(await callControl(name, { method: "POST", path: "/reload" }));
  const changed = Array.isArray(result.changed) && result.changed.length > 0 ? ` (configuration changed: ${result.changed.join("; ")})` : "";
  process.stdout.write(`reloaded ${name} in ${String(result.ms)} ms${changed}\n`);
  return 0;
}

export async function scale(argv: string[]): Promise<number> {
  const parsed = parse("scale", argv);
  if (parsed.switches.has("help")) return help("scale");
  const given = parsed.positionals;
  if (given.length > 2) throw usage("scale", `unexpected argument "${given[2]}"`);
  const count = given.at(-1);
  if (count === undefined || (given.length === 1 && !WORKER_COUNT.test(count))) throw usage("scale", "missing N");
  if (!WORKER_COUNT.test(count) || Number(count) === 0 || Number(count) > MAX_WORKERS) {
    throw badOption("N", count, `an integer from 1 to ${MAX_WORKERS}, max or -1`);
  }
  const name = await pickSupervisor(given.length === 2 ? given[0] : undefined, "corral scale NAME N");
  // max and -1 go as they are: the supervisor counts the CPUs it may use (its cgroup, not the shell's).
  const workers = count === "max" ? "max" : Number(count);
  const result = unwrap(await callControl(name, { method: "POST", path: "/scale", body: { workers } }));
  process.stdout.write(`${name} now runs ${String(result.workers)} worker${result.workers === 1 ? "" : "s"}\n`);
  return 0;
}

export async function stop(argv: string[]): Promise<number> {
  const parsed = parse("stop", argv);
  if (parsed.switches.has("help")) return help("stop");
  const name = await oneName("stop", parsed);
  const reply = unwrap(await callControl(name, { method: "POST", path: "/stop", timeoutMs: STATUS_TIMEOUT_MS }));
  const pid = typeof reply.pid === "number" ? reply.pid : 0;
  // Its pid is only ours to watch in our pid namespace (a corral that is PID 1 in a container says 1: the
  // host's init, which never exits); elsewhere, or from a corral that does not say, it is gone once its socket is.
  const watchPid = pid > 0 && reply.pidNamespace !== undefined && reply.pidNamespace === pidNamespace() ? pid : 0;
  const killTimeoutMs = typeof reply.killTimeoutMs === "number" ? reply.killTimeoutMs : DEFAULTS.killTimeoutMs;
  const deadline = Date.now() + killTimeoutMs + STOP_MARGIN_MS;
  while (await stillRunning(name, watchPid)) {
    if (Date.now() > deadline) {
      throw new CorralError("CORRAL_ERR_CONTROL", `${name} (pid ${pid}) is still running ${killTimeoutMs + STOP_MARGIN_MS} ms after corral stop`);
    }
    // Without a pid each look is a status request the stopping supervisor answers: not 20 a second.
    await new Promise((resolve) => setTimeout(resolve, watchPid > 0 ? 50 : 200));
  }
  process.stdout.write(`stopped ${name}\n`);
  return 0;
}

/** The supervisor process is alive (a zombie nobody reaped yet counts as gone), or, without a pid, its socket still answers. */
async function stillRunning(name: string, pid: number): Promise<boolean> {
  if (pid > 0) return isAlive(pid);
  try {
    await callControl(name, { method: "GET", path: "/status", timeoutMs: STATUS_TIMEOUT_MS });
    return true;
  } catch (error) {
    if (error instanceof CorralError && error.code === "CORRAL_ERR_NOT_RUNNING") return false;
    // Our look was cut off by the supervisor closing its socket (a reset while reading, or EPIPE while
    // still writing the request): the next one finds it gone.
    const code = (error as Error).cause instanceof Error ? ((error as Error).cause as NodeJS.ErrnoException).code : undefined;
    if (code === "ECONNRESET" || code === "EPIPE") return true;
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

function help(command: Command): number {
  process.stdout.write(`usage: ${HELP[command]}${command === "status" ? "" : NAME_NOTE}`);
  return 0;
}
