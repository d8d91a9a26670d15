/**
 * Diagnosing one live worker, over the control socket (control/diagnose-route.ts):
 *
 *   corral inspect [NAME] ID [--close] [--timeout 15m] [--allow-root]
 *   corral profile [NAME] ID [--duration 10s] [-o FILE]
 *   corral heap-snapshot [NAME] ID [-o FILE]
 *   corral report [NAME] ID [-o FILE]
 *
 * Files are streamed to FILE.partial and renamed when complete, so a FILE that
 * exists is whole. ID is the worker's slot id, as `corral status` lists it.
 */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatDuration, parseDuration } from "../config/values.js";
import { callControl, unwrap } from "../control/client.js";
import { DEFAULT_INSPECT_MS } from "../control/diagnose-route.js";
import { CorralError, unknownFlag } from "../errors.js";
import { withUsage } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";

const HELP = {
  inspect: `corral inspect [NAME] ID [--close] [--timeout 15m] [--allow-root]
  opens worker ID's inspector on 127.0.0.1 and prints its DevTools and WebSocket URLs;
  it closes on --close, when the worker exits, or after --timeout (default ${formatDuration(DEFAULT_INSPECT_MS)}).
  While open, any local user can run code in that worker: a worker running as root needs --allow-root.
`,
  profile: `corral profile [NAME] ID [--duration 10s] [-o FILE]
  a CPU profile of worker ID over --duration, written as FILE (.cpuprofile: Chrome DevTools, speedscope)
`,
  "heap-snapshot": `corral heap-snapshot [NAME] ID [-o FILE]
  replaces worker ID (as a reload does), then the old worker writes a .heapsnapshot while it drains
`,
  report: `corral report [NAME] ID [-o FILE]
  node's diagnostic report of worker ID (JSON), on stdout or to FILE
`,
} as const;

type Command = keyof typeof HELP;

const OPTIONS = {
  inspect: { close: { type: "boolean" }, timeout: { type: "string" }, "allow-root": { type: "boolean" }, host: { type: "string" } },
  profile: { duration: { type: "string" }, output: { type: "string", short: "o" } },
  "heap-snapshot": { output: { type: "string", short: "o" } },
  report: { output: { type: "string", short: "o" } },
} as const;

const EXTENSION: Record<Exclude<Command, "inspect">, string> = { profile: "cpuprofile", "heap-snapshot": "heapsnapshot", report: "report.json" };
const REPLY_TIMEOUT_MS = 30_000;

function usage(command: Command, problem: string): CorralError {
  return withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", problem), HELP[command]);
}

interface Parsed {
  name: string;
  id: number;
  values: Record<string, string | boolean | undefined>;
}

async function parse(command: Command, argv: string[]): Promise<Parsed | null> {
  const options = { ...OPTIONS[command], help: { type: "boolean", short: "h" } } as const;
  const { tokens, values, positionals } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (!Object.hasOwn(options, token.name)) throw withUsage(unknownFlag(token.rawName, command, Object.keys(options)), HELP[command]);
    const spec = options[token.name as keyof typeof options] as { type: string };
    if (spec.type === "string" && (token.value === undefined || token.value === "")) throw usage(command, `--${token.name} needs a value`);
    if (spec.type === "boolean" && token.value !== undefined) throw usage(command, `--${token.name} takes no value`);
  }
  if (values.help) {
    process.stdout.write(`usage: ${HELP[command]}`);
    return null;
  }
  if (positionals.length === 0) throw usage(command, "which worker? give its ID (corral status lists them)");
  if (positionals.length > 2) throw usage(command, `unexpected argument "${positionals[2]}"`);
  const idText = positionals[positionals.length - 1]!;
  if (!/^\d+$/.test(idText) || Number(idText) < 1) throw usage(command, `ID: ${JSON.stringify(idText)} is not valid; expected a worker's slot id (1, 2, …)`);
  const name = await pickSupervisor(positionals.length === 2 ? positionals[0] : undefined, `corral ${command} NAME ID`);
  return { name, id: Number(idText), values: values as Parsed["values"] };
}

export async function inspect(argv: string[]): Promise<number> {
  // The host is checked before anything else: the inspector is never offered beyond loopback.
  const hostIndex = argv.findIndex((arg) => arg === "--host" || arg.startsWith("--host="));
  if (hostIndex !== -1) {
    const host = argv[hostIndex]!.includes("=") ? argv[hostIndex]!.slice("--host=".length) : argv[hostIndex + 1];
    if (host !== "127.0.0.1" && host !== "localhost") {
      throw usage("inspect", `--host: ${JSON.stringify(host ?? "")} is not allowed; the inspector listens on 127.0.0.1 only (anyone who reaches it runs code in the worker): use an SSH tunnel to reach it from elsewhere`);
    }
  }
  const parsed = await parse("inspect", argv);
  if (!parsed) return 0;
  const { name, id, values } = parsed;
  if (values.close) {
    unwrap(await callControl(name, { method: "POST", path: "/inspect", body: { worker: id, close: true }, timeoutMs: REPLY_TIMEOUT_MS }));
    process.stdout.write(`worker ${id}'s inspector is closed\n`);
    return 0;
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_INSPECT_MS : parseDuration("--timeout", values.timeout, { min: 1000 });
  const reply = unwrap(
    await callControl(name, { method: "POST", path: "/inspect", body: { worker: id, timeoutMs, allowRoot: values["allow-root"] === true }, timeoutMs: REPLY_TIMEOUT_MS }),
  );
  const until = new Date(reply.closesAt as number).toLocaleTimeString();
  process.stdout.write(
    `worker ${id}'s inspector is open on 127.0.0.1:${reply.port} until ${until} (corral inspect ${name} ${id} --close closes it now)\n` +
      `  DevTools:  ${reply.devtools}\n` +
      `  WebSocket: ${reply.ws}\n` +
      "  While it is open, any local user can run code in this worker. Pausing in the debugger stops its heartbeats: past --hang-timeout it is replaced.\n",
  );
  return 0;
}

async function fetchFile(command: Exclude<Command, "inspect">, argv: string[]): Promise<number> {
  const parsed = await parse(command, argv);
  if (!parsed) return 0;
  const { name, id, values } = parsed;
  const durationMs = command === "profile" ? parseDuration("--duration", values.duration ?? "10s", { min: 100 }) : 0;
  const toStdout = values.output === "-" || (command === "report" && values.output === undefined);
  const target = toStdout ? null : resolve(String(values.output ?? `${name}-worker-${id}-${new Date().toISOString().replace(/[:.]/g, "-")}.${EXTENSION[command]}`));
  const partial = target === null ? null : `${target}.partial`;
  const sink = partial === null ? process.stdout : createWriteStream(partial, { flags: "wx" });
  if (command === "profile") process.stderr.write(`profiling worker ${id} for ${formatDuration(durationMs)}…\n`);
  if (command === "heap-snapshot") process.stderr.write(`replacing worker ${id}; it writes its heap snapshot while it drains…\n`);
  try {
    // A heap snapshot takes as long as the worker's heap needs, bounded on the supervisor's side by --kill-timeout.
    const timeoutMs = command === "profile" ? durationMs + REPLY_TIMEOUT_MS : command === "report" ? REPLY_TIMEOUT_MS : 0;
    unwrap(await callControl(name, { method: "POST", path: "/diagnose", body: { kind: command, worker: id, durationMs }, sink, timeoutMs }));
  } catch (error) {
    if (partial !== null) {
      (sink as NodeJS.WritableStream & { destroy(): void }).destroy();
      rmSync(partial, { force: true });
    }
    throw error;
  }
  if (target === null || partial === null) return 0;
  renameSync(partial, target);
  const opener = command === "profile" ? "; open it in Chrome DevTools (Performance) or speedscope" : command === "heap-snapshot" ? "; open it in Chrome DevTools (Memory)" : "";
  process.stdout.write(`wrote ${target}${opener}\n`);
  return 0;
}

export const profile = (argv: string[]): Promise<number> => fetchFile("profile", argv);
export const heapSnapshot = (argv: string[]): Promise<number> => fetchFile("heap-snapshot", argv);
export const report = (argv: string[]): Promise<number> => fetchFile("report", argv);
