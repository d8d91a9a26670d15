/**
 * `corral top [NAME]`: the dashboard's live view in a terminal. Asks the
 * supervisor for its snapshot over the control socket every second and
 * redraws a full-screen table (alternate screen, so the shell's scrollback is
 * left as it was). q or Ctrl-C quits and restores the terminal, whatever
 * happened. Without a terminal (a pipe, CI) it prints one frame and exits.
 */
import { callControl, unwrap } from "../control/client.js";
import { CorralError, notRunning } from "../errors.js";
import type { SupervisorSnapshot } from "../status.js";
import { parseCommandArgs } from "./command-args.js";
import { pickSupervisor } from "./pick-supervisor.js";
import { renderFrame } from "./top-view.js";

const HELP = `usage: corral top [NAME] [--once]   live view of a supervisor's workers (q or Ctrl-C quits)
  NAME may be left out when only one corral is running. --once (or no terminal) prints one frame
  (two samples a second apart, for the rates) and exits.
`;
const REFRESH_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
/** Ctrl-C arrives as a key in raw mode; these come from elsewhere (kill, a closed terminal). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const ALT_SCREEN_ON = "\x1b[?1049h\x1b[?25l";
const ALT_SCREEN_OFF = "\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const CLEAR_LINE_END = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";

async function fetchSnapshot(name: string): Promise<SupervisorSnapshot> {
  return unwrap(await callControl(name, { method: "GET", path: "/status", timeoutMs: REQUEST_TIMEOUT_MS })).status as SupervisorSnapshot;
}

export async function top(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("top", argv, ["once"], HELP.replace(/^usage: /, ""));
  if (parsed.switches.has("help")) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new CorralError("CORRAL_ERR_BAD_OPTION", `unexpected argument "${parsed.positionals[1]}"\n${HELP}`);
  const name = await pickSupervisor(parsed.positionals[0], "corral top NAME");
  const out = process.stdout;
  if (parsed.switches.has("once") || !out.isTTY || !process.stdin.isTTY) {
    // Two samples a second apart, so the frame has rates (requests/s, latency) like the live view.
    const first = await fetchSnapshot(name);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    out.write(renderFrame(await fetchSnapshot(name), first, out.columns || 200).join("\n") + "\n");
    return 0;
  }
  return live(name);
}

function live(name: string): Promise<number> {
  const out = process.stdout;
  const stdin = process.stdin;
  let previous: SupervisorSnapshot | null = null;
  let current: SupervisorSnapshot | null = null;
  let notice = "";
  let timer: NodeJS.Timeout | null = null;
  let finished = false;

  const draw = (): void => {
    const width = out.columns || 100;
    const height = out.rows || 40;
    const lines = current ? renderFrame(current, previous, width, notice) : [`corral top · ${name}`, notice || "connecting…"];
    lines.push("", "q quit");
    out.write(HOME + lines.slice(0, height).map((line) => line + CLEAR_LINE_END).join("\r\n") + CLEAR_BELOW);
  };
  const tick = async (): Promise<void> => {
    try {
      const snapshot = await fetchSnapshot(name);
      previous = current;
      current = snapshot;
      notice = "";
    } catch (error) {
      // Keep the last frame: a supervisor restarting under systemd comes back on the same name.
      notice = error instanceof CorralError && error.code === "CORRAL_ERR_NOT_RUNNING"
        ? `${notRunning(name).message}; retrying`
        : `${(error as Error).message}; retrying`;
    }
    if (finished) return;
    draw();
    timer = setTimeout(() => void tick(), REFRESH_MS);
  };

  return new Promise<number>((resolve) => {
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      stdin.off("data", onKey);
      out.off("resize", draw);
      for (const signal of STOP_SIGNALS) process.off(signal, finish);
      process.off("exit", restore);
      restore();
      stdin.pause();
      resolve(0);
    };
    const restore = (): void => {
      if (stdin.isTTY) stdin.setRawMode(false);
      out.write(ALT_SCREEN_OFF);
    };
    const onKey = (key: Buffer): void => {
      const text = key.toString("utf8");
      if (text === "q" || text === "Q" || text.includes("\x03")) finish();
    };
    out.write(ALT_SCREEN_ON);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onKey);
    out.on("resize", draw);
    for (const signal of STOP_SIGNALS) process.on(signal, finish);
    // Whatever ends the process, leave the terminal usable.
    process.on("exit", restore);
    void tick();
  });
}
