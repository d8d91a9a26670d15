/**
 * NAME for the commands that act on one supervisor (reload, scale, stop, top):
 * the one given, or, when it is left out, the only supervisor running. With
 * several running, the error lists them, so the next command is easy to type.
 */
import { checkName } from "../config/resolve.js";
import { callControl, listSockets } from "../control/client.js";
import { CorralError } from "../errors.js";

/** A supervisor is a small event loop: it answers /status fast. */
const PROBE_TIMEOUT_MS = 5_000;

export async function pickSupervisor(given: string | undefined, usage: string): Promise<string> {
  if (given !== undefined) return checkName(given);
  const answers = await Promise.all(
    listSockets().map(async (entry) => {
      try {
        await callControl(entry.name, { method: "GET", path: "/status", timeoutMs: PROBE_TIMEOUT_MS });
        return entry.name;
      } catch {
        return null; // not running (its stale socket was removed) or not answering: not a candidate
      }
    }),
  );
  const live = answers.filter((name): name is string => name !== null).sort();
  if (live.length === 1) return live[0]!;
  if (live.length === 0) throw new CorralError("CORRAL_ERR_NOT_RUNNING", "no corral is running");
  throw new CorralError("CORRAL_ERR_BAD_OPTION", `several corrals are running (${live.join(", ")}); say which: ${usage.replace("[NAME]", "NAME")}`);
}
