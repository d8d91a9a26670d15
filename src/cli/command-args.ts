/**
 * The command line of the small commands (status, reload, scale, stop, top):
 * positionals and a few switches. Parsed like `corral start`'s flags, so every
 * command answers a typo the same way: "unknown option --jsn (did you mean
 * --json?)", never node's parseArgs text with its advice about `--`.
 */
import { parseArgs } from "node:util";
import { CorralError, unknownFlag } from "../errors.js";

export interface CommandArgs {
  readonly positionals: string[];
  /** The switches given (`json`, `once`, `help`). */
  readonly switches: ReadonlySet<string>;
}

/** "-1" is a value (`corral scale api -1`), not a short flag. */
const NEGATIVE_NUMBER = /^-\d+$/;

/** `switches` are the command's boolean flags besides --help/-h; `usage` is appended to every error. */
export function parseCommandArgs(command: string, argv: readonly string[], switches: readonly string[], usage: string): CommandArgs {
  const options = Object.fromEntries([["help", { type: "boolean" as const, short: "h" }], ...switches.map((name) => [name, { type: "boolean" as const }])]);
  const negatives = new Set(argv.filter((arg) => NEGATIVE_NUMBER.test(arg)));
  const { tokens } = parseArgs({
    args: argv.map((arg) => (negatives.has(arg) ? `\0${arg}` : arg)),
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const given = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value.replace(/^\0/, ""));
    if (token.kind !== "option") continue;
    if (!Object.hasOwn(options, token.name)) {
      throw withUsage(unknownFlag(token.rawName, command, ["help", ...switches]), usage);
    }
    if (token.value !== undefined) throw withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", `--${token.name} takes no value`), usage);
    given.add(token.name);
  }
  return { positionals, switches: given };
}

export function withUsage(error: CorralError, usage: string): CorralError {
  return new CorralError(error.code, `${error.message}\nusage: ${usage.trimEnd()}`);
}

type FlagOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * For commands with value flags (logs, send): parseArgs' values and positionals, with the
 * same answers to a typo, a missing value or a value given to a switch; `usage` is appended.
 */
export function parseFlagArgs(command: string, argv: readonly string[], options: FlagOptions, usage: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const { tokens, values, positionals } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const problem = (text: string): CorralError => withUsage(new CorralError("CORRAL_ERR_BAD_OPTION", text), usage);
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (!Object.hasOwn(options, token.name)) throw withUsage(unknownFlag(token.rawName, command, Object.keys(options)), usage);
    const spec = options[token.name]!;
    if (spec.type === "string" && (token.value === undefined || token.value === "")) throw problem(`--${token.name} needs a value`);
    if (spec.type === "boolean" && token.value !== undefined) throw problem(`--${token.name} takes no value`);
  }
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}
