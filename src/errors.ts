/**
 * Every failure corral reports on purpose is a CorralError with a stable `code`.
 * The CLI maps codes to exit codes (usage errors → 2, runtime failures → 1), so
 * messages stay consistent and greppable in one place.
 */
export type CorralErrorCode =
  | "CORRAL_ERR_BAD_OPTION"
  | "CORRAL_ERR_BAD_CONFIG"
  | "CORRAL_ERR_ENTRY_NOT_FOUND"
  | "CORRAL_ERR_TYPESCRIPT_UNSUPPORTED"
  | "CORRAL_ERR_REUSEPORT_UNSUPPORTED"
  | "CORRAL_ERR_NAME_IN_USE"
  | "CORRAL_ERR_NOT_RUNNING"
  | "CORRAL_ERR_ALL_ERRORED"
  | "CORRAL_ERR_NOT_READY"
  | "CORRAL_ERR_BUSY"
  | "CORRAL_ERR_STOPPED"
  | "CORRAL_ERR_NODE_UNSUPPORTED"
  | "CORRAL_ERR_CUT_OFF"
  | "CORRAL_ERR_CONTROL"
  | "CORRAL_ERR_DIAGNOSTIC"
  | "CORRAL_ERR_MESSAGE_TOO_LARGE"
  | "CORRAL_ERR_MESSAGE_RATE"
  | "CORRAL_ERR_UPGRADE_UNSUPPORTED"
  | "CORRAL_ERR_UPGRADE_FAILED";

/** Codes that mean "the user asked for something invalid": the CLI exits 2 for these. */
const USAGE_CODES: ReadonlySet<CorralErrorCode> = new Set([
  "CORRAL_ERR_BAD_OPTION",
  "CORRAL_ERR_BAD_CONFIG",
  "CORRAL_ERR_ENTRY_NOT_FOUND",
  "CORRAL_ERR_TYPESCRIPT_UNSUPPORTED",
  "CORRAL_ERR_REUSEPORT_UNSUPPORTED",
  "CORRAL_ERR_NAME_IN_USE",
  "CORRAL_ERR_UPGRADE_UNSUPPORTED",
]);

export class CorralError extends Error {
  readonly code: CorralErrorCode;
  constructor(code: CorralErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CorralError";
    this.code = code;
  }
  /** Process exit code the CLI uses for this error. */
  get exitCode(): 1 | 2 {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

export function badOption(option: string, value: unknown, allowed: string): CorralError {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new CorralError("CORRAL_ERR_BAD_OPTION", `${option}: ${shown} is not valid; expected ${allowed}`);
}

export function badConfig(file: string, reason: string, cause?: unknown): CorralError {
  return new CorralError("CORRAL_ERR_BAD_CONFIG", `config file ${file}: ${reason}`, { cause });
}

export function entryNotFound(entry: string): CorralError {
  return new CorralError("CORRAL_ERR_ENTRY_NOT_FOUND", `entry file not found: ${entry}`);
}

/**
 * Two projects whose entry is server.js both default to the name "server": say whose it is
 * (`running`: "pid 41200, /srv/api") and how to run the second one beside it.
 */
export function nameInUse(name: string, socketPath: string, running?: string, suggestion = `${name}-2`): CorralError {
  const whose = running === undefined ? socketPath : `${running}; ${socketPath}`;
  return new CorralError(
    "CORRAL_ERR_NAME_IN_USE",
    `a corral named "${name}" is already running (${whose}); to run another one beside it, pass --name ` +
      `(e.g. --name ${suggestion}), or stop that one with corral stop ${name}`,
  );
}

const indent = (lines: readonly string[]): string => lines.map((l) => (l === "" ? "" : `  ${l}`)).join("\n");

/**
 * Every slot gave up; `report` is the app's own error (its message line, then the stack), shown indented.
 * `neverStarted`: no worker was ever ready, so this is the app failing to start, not a crash loop.
 */
export function allErrored(report: readonly string[], neverStarted = false): CorralError {
  const shown = report.length > 0 ? indent(report) : "  (nothing on stderr)";
  const what = neverStarted
    ? "the app failed to start: every worker exited before it was ready; the app's error:"
    : "every worker is crash-looping; the app's last error output:";
  return new CorralError("CORRAL_ERR_ALL_ERRORED", `${what}\n${shown}`);
}

/** A worker that will never be ready: `headline` says how it ended, `report` is the app's own error. */
export class WorkerFailedError extends CorralError {
  constructor(
    readonly headline: string,
    readonly report: readonly string[],
  ) {
    super("CORRAL_ERR_NOT_READY", report.length > 0 ? `${headline}:\n${indent(report)}` : headline);
  }
}

/** A reload stopped by `cause`; `old` workers from before it still serve, `replaced` slots already run the new version. */
export function reloadFailed(cause: Error, old: number, replaced = 0): CorralError {
  const headline = cause instanceof WorkerFailedError ? cause.headline : cause.message;
  const report = cause instanceof WorkerFailedError && cause.report.length > 0 ? `\n${indent(cause.report)}` : "";
  const code = cause instanceof CorralError ? cause.code : "CORRAL_ERR_NOT_READY";
  const already = replaced > 0 ? ` (${replaced} already replaced by new ones)` : "";
  const keep = `${old} old worker${old === 1 ? " keeps" : "s keep"} serving${already}`;
  return new CorralError(code, `reload failed: ${headline}; ${keep}${report}`, { cause });
}

export function notRunning(name: string): CorralError {
  return new CorralError("CORRAL_ERR_NOT_RUNNING", `no corral named "${name}" is running`);
}

export function isCorralError(error: unknown): error is CorralError {
  return error instanceof CorralError;
}

/** An option name nobody defines, with the closest known one when it is plausibly a typo. */
export function unknownOption(where: string, key: string, known: readonly string[]): CorralError {
  const guess = closestName(key, known);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return new CorralError(
    "CORRAL_ERR_BAD_OPTION",
    `${where}: unknown option "${key}"${hint}; known options: ${known.join(", ")}`,
  );
}

/** A command-line flag the command does not define; `known` are its flags' names without dashes. */
export function unknownFlag(flag: string, command: string, known: readonly string[] = []): CorralError {
  const guess = closestName(flag.replace(/^-+/, "").split("=")[0]!, known);
  const hint = guess === undefined ? "" : ` (did you mean --${guess}?)`;
  return new CorralError("CORRAL_ERR_BAD_OPTION", `unknown option ${flag}${hint}; run corral ${command} --help`);
}

export function missingFlagValue(flag: string, example: string): CorralError {
  return new CorralError("CORRAL_ERR_BAD_OPTION", `${flag} needs a value, e.g. ${flag} ${example}`);
}

export function entryNotAFile(entry: string): CorralError {
  return new CorralError("CORRAL_ERR_ENTRY_NOT_FOUND", `entry is not a file: ${entry}`);
}

/** `option` is where "os" came from (--balance, CORRAL_BALANCE, a config key); `reason` says what is missing. */
export function reusePortUnsupported(option: string, reason: string): CorralError {
  return new CorralError(
    "CORRAL_ERR_REUSEPORT_UNSUPPORTED",
    `${option}: "os" needs the reusePort listen option (SO_REUSEPORT); ${reason}`,
  );
}

export function missingEntry(): CorralError {
  return new CorralError(
    "CORRAL_ERR_BAD_OPTION",
    "no entry file given; run corral start <entry>, or set entry in corral.config.json",
  );
}

/** Levenshtein distance ≤ 2 (or a case-only difference) counts as a likely typo. */
export function closestName(input: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = editDistance(input.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Like badOption, for values (lists, objects) the caller has already rendered for display. */
export function badOptionValue(option: string, rendered: string, allowed: string): CorralError {
  return new CorralError("CORRAL_ERR_BAD_OPTION", `${option}: ${rendered} is not valid; expected ${allowed}`);
}
