/**
 * `corral systemd NAME [start args]`: prints a systemd unit that runs
 * `corral start [start args] --name NAME` in the foreground.
 *
 * The options are resolved here as `start` would (flags and config file), so a
 * bad value fails now rather than at boot, and TimeoutStopSec can be set past
 * --kill-timeout. KillMode=mixed matters: systemd's default sends SIGTERM to
 * every process in the unit, and workers would exit mid-request instead of
 * being drained by the supervisor.
 *
 * A unit file is world-readable (and `systemctl show` prints ExecStart to anyone),
 * and a command line shows in `ps`: an --admin-token given here is moved to an
 * EnvironmentFile only its owner can read (0600), as CORRAL_ADMIN_TOKEN.
 */
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkName } from "../config/resolve.js";
import { CorralError, badOption } from "../errors.js";
import { parseStartArgs } from "./args.js";
import { resolveStartOptions } from "./start-options.js";

const HELP = `usage: corral systemd NAME [--environment-file PATH] [--socket [HOST:]PORT [--socket-file PATH]] [start args]
  print a systemd unit for \`corral start [start args] --name NAME\`; an --admin-token goes to the
  EnvironmentFile PATH (mode 0600; default /etc/corral/NAME.env as root, else ~/.config/corral/NAME.env)
  --socket [HOST:]PORT  also write NAME.socket (to --socket-file, default ./NAME.socket): systemd holds
                        the listening socket, and connections wait in its queue across restarts

  corral systemd api server.js --workers 4 --kill-timeout 30s | sudo tee /etc/systemd/system/api.service
  sudo systemctl daemon-reload && sudo systemctl enable --now api
`;

/** Grace after --kill-timeout for the supervisor to SIGKILL stragglers and exit before systemd does. */
const STOP_MARGIN_S = 5;

/** One ExecStart= word: `%` and `$` are systemd specifiers/variables; quote what the splitter would break. */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (escaped !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export async function systemd(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "-h" || argv[0] === "--help") {
    process.stdout.write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const [name, ...rest] = argv as [string, ...string[]];
  checkName(name);
  const { value: envFileFlag, args: withoutEnvFile } = takeFlag(rest, "--environment-file");
  const { value: socketFlag, args: withoutSocket } = takeFlag(withoutEnvFile, "--socket");
  const { value: socketFileFlag, args: startArgs } = takeFlag(withoutSocket, "--socket-file");
  const listenStream = socketFlag === undefined ? null : checkListenStream(socketFlag);
  if (socketFileFlag !== undefined && listenStream === null) throw new CorralError("CORRAL_ERR_BAD_OPTION", "--socket-file: needs --socket [HOST:]PORT");
  const parsed = parseStartArgs(startArgs);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const given = parsed.flags.options.name;
  if (given !== undefined && given !== name) {
    throw new CorralError("CORRAL_ERR_BAD_OPTION", `--name: "${String(given)}" differs from NAME "${name}"; give the name once`);
  }
  const token = parsed.flags.options.adminToken;
  const unitArgs = token === undefined ? startArgs : takeFlag(startArgs, "--admin-token").args;
  const args = given === undefined ? withNameFlag(unitArgs, name) : unitArgs;

  const cwd = process.cwd();
  // Resolved as the unit's `corral start` will; its environment is not this shell's, so CORRAL_* here do not count.
  const flags = { ...parsed.flags, options: { ...parsed.flags.options, name } };
  const options = await resolveStartOptions({ flags, configPath: parsed.configPath }, { cwd, env: {} });

  const cli = fileURLToPath(new URL("./main.js", import.meta.url));
  const exec = [process.execPath, cli, "start", ...args].map(systemdWord).join(" ");
  const stopSeconds = Math.ceil(options.killTimeoutMs / 1000) + STOP_MARGIN_S;
  const user = process.getuid?.() === 0 ? null : userInfo().username;
  // A unit has no XDG_RUNTIME_DIR: pin the control folder, so `status` from any shell finds it (and says so).
  const home = process.env.CORRAL_HOME || join(userInfo().homedir, ".corral");
  let environmentFile = "";
  if (typeof token === "string") {
    const file = resolve(envFileFlag ?? defaultEnvFile(name));
    writePrivateFile(file, `# The admin token of the corral supervisor "${name}", read by its systemd unit.\nCORRAL_ADMIN_TOKEN=${envValue(token)}\n`);
    process.stderr.write(`corral: the admin token is in ${file} (mode 0600), not in the unit: the unit reads it with EnvironmentFile=\n`);
    environmentFile = `# CORRAL_ADMIN_TOKEN: kept out of this world-readable file and off the command line.\nEnvironmentFile=${file.replace(/%/g, "%%")}\n`;
  }
  const shownArgs = [name, ...(envFileFlag === undefined ? [] : ["--environment-file", envFileFlag]),
    ...(listenStream === null ? [] : ["--socket", listenStream]), ...(socketFileFlag === undefined ? [] : ["--socket-file", socketFileFlag]), ...unitArgs];
  let socketUnit = "";
  if (listenStream !== null) {
    const file = resolve(socketFileFlag ?? `${name}.socket`);
    writeFileSync(file, socketUnitText(name, listenStream));
    process.stderr.write(`corral: wrote ${file}; install it beside the service as /etc/systemd/system/${name}.socket, then: systemctl enable --now ${name}.socket\n`);
    socketUnit = `# The listening socket is systemd's (${name}.socket): corral serves the app's listen(PORT) from it.\nRequires=${name}.socket\nAfter=${name}.socket\n`;
  }
  const reload = [process.execPath, cli, "reload", name].map(systemdWord).join(" ");
  process.stdout.write(`# systemd unit for the corral supervisor "${name}" (${options.entry}).
# Generated by: corral systemd ${shownArgs.map(shownWord).join(" ")}${typeof token === "string" ? " (--admin-token: see EnvironmentFile)" : ""}
# Install it as /etc/systemd/system/${name}.service, then: systemctl daemon-reload && systemctl enable --now ${name}
# corral status|reload|stop ${name} reach it through its control socket in ${home.replace(/%/g, "%%")}.
[Unit]
Description=${name} (corral: ${options.workers} worker${options.workers === 1 ? "" : "s"} of ${options.entry.replace(/%/g, "%%")})
After=network-online.target
Wants=network-online.target
${socketUnit}
[Service]
# corral tells systemd when every worker is ready, reloads and stops (sd_notify, through the
# systemd-notify binary: node cannot send the datagram itself, hence NotifyAccess=all).
Type=notify
NotifyAccess=all
${user ? `User=${user}\n` : ""}WorkingDirectory=${cwd.replace(/%/g, "%%")}
Environment=CORRAL_HOME=${systemdWord(home)}
# Environment=NODE_ENV=production
${environmentFile}ExecStart=${exec}
# Rolling reload: every worker is replaced by a ready new one, no request fails; systemctl reload
# waits for it and fails when the reload fails. \`corral upgrade ${name}\` replaces corral itself.
ExecReload=${reload}
# SIGTERM goes to the supervisor only; it drains the workers within --kill-timeout (${options.killTimeoutMs} ms).
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=${stopSeconds}
Restart=on-failure
RestartSec=2
# Exit code 2 is a usage or config error: restarting will not fix it.
RestartPreventExitStatus=2

[Install]
WantedBy=multi-user.target
`);
  return 0;
}

/** ListenStream= for --socket: PORT, HOST:PORT or [IPv6]:PORT. */
function checkListenStream(value: string): string {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw badOption("--socket", value, "PORT, HOST:PORT or [IPV6]:PORT with a port from 1 to 65535");
  return value;
}

function socketUnitText(name: string, listenStream: string): string {
  return `# systemd socket for the corral supervisor "${name}": systemd binds it and passes it to ${name}.service
# (socket activation); connections wait in its queue while corral restarts.
[Unit]
Description=${name} listening socket (corral)

[Socket]
ListenStream=${listenStream}
# One service for all connections (corral balances them), not one process per connection.
Accept=no

[Install]
WantedBy=sockets.target
`;
}

/** An argument as a shell user would type it, on one comment line. */
function shownWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word);
}

/** Removes `flag VALUE` / `flag=VALUE` (before any `--`) from `args`; the last value given, if any. */
function takeFlag(args: readonly string[], flag: string): { value: string | undefined; args: string[] } {
  const separator = args.indexOf("--");
  const head = separator === -1 ? [...args] : args.slice(0, separator);
  const tail = separator === -1 ? [] : args.slice(separator);
  const kept: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < head.length; i++) {
    const arg = head[i]!;
    if (arg === flag) {
      value = head[++i];
      if (value === undefined) throw new CorralError("CORRAL_ERR_BAD_OPTION", `${flag} needs a value`);
    } else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
    else kept.push(arg);
  }
  return { value, args: [...kept, ...tail] };
}

/** Where the token goes when --environment-file is not given: root's units in /etc, a user's in their config folder. */
function defaultEnvFile(name: string): string {
  return process.getuid?.() === 0 ? join("/etc/corral", `${name}.env`) : join(homedir(), ".config/corral", `${name}.env`);
}

/** Written beside its final name with mode 0600 from the first byte, then renamed over it: never readable by others. */
function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600); // whatever the umask
  renameSync(temporary, file);
}

/** A value for a systemd EnvironmentFile: bare when plain, else quoted (single quotes are literal there). */
function envValue(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

/** Adds --name before a `--` separator, so it is not passed to node or the app. */
function withNameFlag(args: readonly string[], name: string): string[] {
  const separator = args.indexOf("--");
  if (separator === -1) return [...args, "--name", name];
  return [...args.slice(0, separator), "--name", name, ...args.slice(separator)];
}
