/**
 * `corral logs [NAME] [-n N] [-f] [--worker ID] [--stderr] [--json] [--reopen]`:
 * the supervisor's recent output from its ring buffer (whether or not it writes
 * log files), over the control socket, so it works for a corral started in
 * another terminal or by systemd. `-f` then streams new lines until Ctrl-C.
 * `--reopen` asks it to reopen its log files (what SIGUSR2 does), for
 * logrotate's postrotate.
 */
import { callControl, unwrap } from "../control/client.js";
import { DEFAULT_TAIL_LINES } from "../control/logs-route.js";
import { CorralError } from "../errors.js";
import { LineFormatter, type LogRecord } from "../logs/record.js";
import { RING_MAX_LINES } from "../logs/ring.js";
import { parseFlagArgs, withUsage } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";

const HELP = `corral logs [NAME] [-n N] [-f] [--worker ID] [--stderr] [--json] [--reopen]
  -n, --lines N    the last N lines (default ${DEFAULT_TAIL_LINES}, at most ${RING_MAX_LINES})
  -f, --follow     then print new lines as they come, until Ctrl-C
  --worker ID      only worker ID's lines (its slot id, 1..N)
  --stderr         only stderr lines (and the supervisor's warnings)
  --json           the lines as JSON objects, as the supervisor keeps them
  --reopen         reopen the log files (--log-file, --error-file), as SIGUSR2 does: for logrotate
NAME may be left out when exactly one corral is running.
`;

const OPTIONS = {
  lines: { type: "string", short: "n" },
  follow: { type: "boolean", short: "f" },
  worker: { type: "string" },
  stderr: { type: "boolean" },
  json: { type: "boolean" },
  reopen: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** How long a one-shot request may take; a supervisor answers from memory. */
const REPLY_TIMEOUT_MS = 5_000;

function usage(problem: string): CorralError {
  return withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", problem), HELP);
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw usage(`${flag}: ${JSON.stringify(value)} is not valid; expected an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export async function logs(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlagArgs("logs", argv, OPTIONS, HELP);
  if (values.help) {
    process.stdout.write(`usage: ${HELP}`);
    return 0;
  }
  if (positionals.length > 1) throw usage(`unexpected argument "${positionals[1]}"`);
  const lines = integer("-n", values.lines as string | undefined, 0, RING_MAX_LINES);
  const worker = integer("--worker", values.worker as string | undefined, 1, Number.MAX_SAFE_INTEGER);
  const name = await pickSupervisor(positionals[0], "corral logs NAME");

  if (values.reopen) {
    const reply = unwrap(await callControl(name, { method: "POST", path: "/logs/reopen", timeoutMs: REPLY_TIMEOUT_MS }));
    const files = Array.isArray(reply.files) ? (reply.files as string[]) : [];
    process.stdout.write(files.length > 0 ? `reopened ${files.join(", ")}\n` : `${name} writes no log files (--log-file, --error-file)\n`);
    return 0;
  }

  const query = new URLSearchParams();
  if (lines !== undefined) query.set("n", String(lines));
  if (worker !== undefined) query.set("worker", String(worker));
  if (values.stderr) query.set("stderr", "1");
  if (values.follow) query.set("follow", "1");
  const print = values.json ? (line: string) => void process.stdout.write(`${line}\n`) : humanPrinter();
  // `corral logs -f | head`: the reader leaving is the end of the job, not an error.
  process.stdout.on("error", () => process.exit(0));
  // Ctrl-C is how -f ends: that is success, not an interruption.
  if (values.follow) process.once("SIGINT", () => process.exit(0));
  const reply = await callControl(name, { method: "GET", path: `/logs?${query}`, onLine: print, ...(values.follow ? {} : { timeoutMs: REPLY_TIMEOUT_MS }) });
  unwrap(reply);
  return 0;
}

/** Prints records as the prefix format with timestamps: "2026-…Z [w1:4242] line". */
function humanPrinter(): (line: string) => void {
  const formatter = new LineFormatter({ format: "prefix", timestamps: true, name: "" });
  return (line) => {
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return; // not a record: a newer supervisor's extra, or a cut line
    }
    process.stdout.write(formatter.format(record));
  };
}
