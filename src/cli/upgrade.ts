/**
 * `corral upgrade [NAME] [--node PATH]`: the running supervisor starts a new primary (the
 * corral CLI as it is on disk now, same arguments, environment and folder, under its Node or
 * PATH) and hands it every listening socket; exits 0 once the new one serves, 1 with the new
 * primary's own error when it failed (the old one serves on), 2 where it cannot be done.
 * A command, not a signal: SIGUSR2 reopens the log files, SIGUSR1 is node's inspector.
 */
import { resolve } from "node:path";
import { callControl, unwrap } from "../control/client.js";
import { CorralError } from "../errors.js";
import { parseFlagArgs, withUsage } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";

const HELP = `corral upgrade [NAME] [--node PATH]
  a new primary (corral as installed now, the same start arguments) takes over every listening
  socket without closing it; the old one drains its workers and exits. Nothing is refused.
  --node PATH      run the new primary and its workers under this node binary
NAME may be left out when exactly one corral is running.
`;

const OPTIONS = { node: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

export async function upgrade(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlagArgs("upgrade", argv, OPTIONS, HELP);
  if (values.help) {
    process.stdout.write(`usage: ${HELP}`);
    return 0;
  }
  if (positionals.length > 1) throw withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", `unexpected argument "${positionals[1]}"`), HELP);
  const name = await pickSupervisor(positionals[0], "corral upgrade NAME");
  // Resolved here: the supervisor's folder is not this shell's.
  const node = typeof values.node === "string" ? resolve(values.node) : undefined;
  // No timeout: the supervisor bounds the hand-over by its --listen-timeout.
  const reply = unwrap(await callControl(name, { method: "POST", path: "/upgrade", body: node === undefined ? {} : { node } }));
  process.stdout.write(`upgraded ${name}: pid ${String(reply.from)} handed its sockets to pid ${String(reply.pid)}, and drains\n`);
  return 0;
}
