#!/usr/bin/env node
/**
 * The `corral` command. Each subcommand lives in its own file; this one only
 * dispatches and turns errors into exit codes: 0 ok, 1 runtime failure,
 * 2 usage or config error.
 */
import { CorralError } from "../errors.js";
import { refuseInspectorSignal } from "../primary/inspector-signal.js";
import { VERSION } from "../version.js";

// First thing: until this runs, a SIGUSR1 would open node's inspector (see inspector-signal.ts).
refuseInspectorSignal();

const USAGE = `corral ${VERSION} — run a Node.js server on every CPU core

Usage:
  corral start <entry> [options] [-- <node args> <app args>]   run an app (see corral start --help)
  corral status [NAME] [--json]      list supervisors, or one supervisor's workers
  corral reload [NAME]               rolling zero-downtime reload
  corral scale [NAME] N|max|-1       change the number of workers
  corral stop [NAME]                 drain and stop
  corral list|ls, restart, delete    PM2's verbs: = status, reload (graceful and
                                     rolling; PM2's restart is a hard restart), stop
  corral top [NAME]                  live terminal view
  corral logs [NAME] [-n N] [-f]     recent output (--worker ID, --stderr, --json); --reopen the log files
  corral send [NAME] TOPIC JSON      a message to the workers' worker.on(TOPIC) (--worker ID)
  corral upgrade [NAME] [--node PATH]  hand the listening sockets to a new primary (new corral/Node)
  corral systemd NAME [start args]   print a systemd unit file
  corral inspect [NAME] ID [--close] open worker ID's inspector (DevTools) on 127.0.0.1
  corral profile [NAME] ID [--duration 10s] [-o FILE]   a CPU profile of worker ID
  corral heap-snapshot [NAME] ID [-o FILE]   replace worker ID; it writes a heap snapshot as it drains
  corral report [NAME] ID [-o FILE]  node's diagnostic report of worker ID

NAME may be left out when exactly one corral is running.
Exit codes: 0 ok, 1 runtime failure, 2 usage or config error.
`;

type Command = (argv: string[]) => Promise<number | void>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import("./start.js")).start,
  status: async () => (await import("./control-commands.js")).status,
  reload: async () => (await import("./control-commands.js")).reload,
  scale: async () => (await import("./control-commands.js")).scale,
  stop: async () => (await import("./control-commands.js")).stop,
  // PM2's verbs, where they mean the same (pm2 restart kills and starts; corral's is the rolling reload).
  list: async () => (await import("./control-commands.js")).status,
  ls: async () => (await import("./control-commands.js")).status,
  restart: async () => (await import("./control-commands.js")).reload,
  delete: async () => (await import("./control-commands.js")).stop,
  top: async () => (await import("./top.js")).top,
  logs: async () => (await import("./logs.js")).logs,
  systemd: async () => (await import("./systemd.js")).systemd,
  send: async () => (await import("./send.js")).send,
  upgrade: async () => (await import("./upgrade.js")).upgrade,
  inspect: async () => (await import("./diagnose.js")).inspect,
  profile: async () => (await import("./diagnose.js")).profile,
  "heap-snapshot": async () => (await import("./diagnose.js")).heapSnapshot,
  report: async () => (await import("./diagnose.js")).report,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === "-v" || name === "--version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`corral: unknown command "${name}"; expected one of: ${Object.keys(COMMANDS).join(", ")}\n`);
    return 2;
  }
  const command = await load();
  return (await command(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CorralError) {
      process.stderr.write(`corral: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`corral: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
