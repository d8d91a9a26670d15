/**
 * `corral send [NAME] TOPIC JSON [--worker ID]`: an operator's message to the
 * app's workers (PM2's `trigger`), delivered by the supervisor to every ready
 * worker, or to worker ID, as `worker.on(TOPIC, (data, from) => …)` with
 * `from` 0. Goes over the control socket as POST /send.
 */
import { callControl, unwrap } from "../control/client.js";
import { CorralError } from "../errors.js";
import { parseFlagArgs, withUsage } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";

const HELP = `corral send [NAME] TOPIC JSON [--worker ID]
  delivers JSON (any JSON value: '{"key":1}', '"text"', 42) under TOPIC to every ready
  worker, or to worker ID only; the app receives it with worker.on(TOPIC, (data, from) => …)
  --worker ID      only worker ID (its slot id, 1..N)
NAME may be left out when exactly one corral is running.
`;

const OPTIONS = { worker: { type: "string" }, help: { type: "boolean", short: "h" } } as const;
const REPLY_TIMEOUT_MS = 5_000;

function usage(problem: string): CorralError {
  return withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", problem), HELP);
}

export async function send(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlagArgs("send", argv, OPTIONS, HELP);
  if (values.help) {
    process.stdout.write(`usage: ${HELP}`);
    return 0;
  }
  if (positionals.length < 2) throw usage("missing TOPIC and JSON");
  if (positionals.length > 3) throw usage(`unexpected argument "${positionals[3]}"`);
  const [topic, text] = positionals.slice(-2) as [string, string];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw usage(`JSON: ${JSON.stringify(text)} is not valid JSON; quote a string as '"text"', or give an object such as '{"key":1}'`);
  }
  const given = values.worker as string | undefined;
  if (given !== undefined && !/^[1-9]\d*$/.test(given)) throw usage(`--worker: ${JSON.stringify(given)} is not valid; expected a worker id (1, 2, …)`);
  const name = await pickSupervisor(positionals.length === 3 ? positionals[0] : undefined, "corral send NAME TOPIC JSON");
  const body = { topic, data, ...(given === undefined ? {} : { worker: Number(given) }) };
  const reply = unwrap(await callControl(name, { method: "POST", path: "/send", body, timeoutMs: REPLY_TIMEOUT_MS }));
  const delivered = Array.isArray(reply.delivered) ? (reply.delivered as number[]) : [];
  process.stdout.write(delivered.length > 0
    ? `sent ${topic} to worker${delivered.length === 1 ? "" : "s"} ${delivered.join(", ")}\n`
    : `sent ${topic} to no worker (none was ready, or their channels were backed up)\n`);
  return 0;
}
