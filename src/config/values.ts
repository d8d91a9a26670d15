/**
 * Pure parsers for option values. Each takes the option's display name (the
 * flag, env var or config key the value came from) so its error says where to
 * look, and accepts both the typed form (a number) and the string form a flag,
 * an env var or a config file gives.
 */
import { badOptionValue, CorralError } from "../errors.js";

/**
 * setTimeout stores delays in a signed 32-bit int; anything larger fires after
 * 1 ms with a TimeoutOverflowWarning, so a huge timeout would act like none.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const DURATION_UNITS: Readonly<Record<string, number>> = { "": 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/i;
const DURATION_EXAMPLE = "a duration like 500ms, 10s or 2m";

/** Milliseconds, from a number (ms) or "250ms" | "10s" | "2m" | "6h" | "250" (ms). */
export function parseDuration(option: string, value: unknown, range: { min?: number } = {}): number {
  const min = range.min ?? 0;
  let ms: number | undefined;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const match = DURATION_PATTERN.exec(value.trim());
    if (match) ms = Number(match[1]) * DURATION_UNITS[(match[2] ?? "").toLowerCase()]!;
  }
  if (ms === undefined || !Number.isFinite(ms)) throw invalid(option, value, DURATION_EXAMPLE);
  ms = Math.round(ms);
  if (ms < min || ms > MAX_TIMER_MS) {
    const lowest = min === 0 ? "0ms" : formatDuration(min);
    // Only examples the option takes: "from 1s …, like 500ms" contradicted itself.
    const examples = [500, 10_000, 120_000].filter((example) => example >= min).map(formatDuration);
    const like = examples.length === 0 ? "" : `, like ${examples.length === 1 ? examples[0] : `${examples.slice(0, -1).join(", ")} or ${examples.at(-1)}`}`;
    throw invalid(option, value, `a duration from ${lowest} to 24 days${like}`);
  }
  return ms;
}

/** "1500" → "1500ms", 10000 → "10s", 120000 → "2m": the shortest exact spelling, for messages and help. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
// "512M", "512MB", "512mb" and Kubernetes' "512Mi" all mean 512 × 1024² bytes.
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])i?)?b?$/i;

/** Bytes, from a number (bytes) or "512K" | "512M" | "1G" | "1024" (bytes); 1K = 1024. At least `range.min`. */
export function parseSize(option: string, value: unknown, range: { min?: number; why?: string } = {}): number {
  let bytes: number | undefined;
  if (typeof value === "number") bytes = value;
  else if (typeof value === "string") {
    const match = SIZE_PATTERN.exec(value.trim());
    if (match) bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? "").toLowerCase()]!;
  }
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0 || bytes > Number.MAX_SAFE_INTEGER) {
    throw invalid(option, value, "a size like 512K, 512M or 1G");
  }
  const min = range.min ?? 0;
  if (bytes < min) throw invalid(option, value, `a size of at least ${formatSize(min)}${range.why ? ` (${range.why})` : ""}`);
  return Math.floor(bytes);
}

/** 67108864 → "64M", 1536 → "1.5K": how sizes are spelled in messages and help. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["G", 1024 ** 3], ["M", 1024 ** 2], ["K", 1024]] as const) {
    if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10}${unit}`;
  }
  return String(bytes);
}

/** Bytes as megabytes for people, to a tenth (so 160.4 MB over a 160 MB limit reads as over): 171_966_464 → "164 MB". */
export function formatMegabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MB`;
}

/** An integer within [min, max], from a number or a decimal string ("4", "-1"). */
export function parseInteger(option: string, value: unknown, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  let parsed: number | undefined;
  if (typeof value === "number") parsed = value;
  else if (typeof value === "string" && /^[+-]?\d+$/.test(value.trim())) parsed = Number(value.trim());
  if (parsed === undefined || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw invalid(option, value, describeIntegerRange(min, max));
  }
  return parsed;
}

function describeIntegerRange(min: number, max: number): string {
  const unbounded = (limit: number) => Math.abs(limit) === Number.MAX_SAFE_INTEGER;
  if (unbounded(min) && unbounded(max)) return "an integer";
  if (unbounded(max)) return `an integer of at least ${min}`;
  if (unbounded(min)) return `an integer of at most ${max}`;
  return `an integer from ${min} to ${max}`;
}

const TRUE_WORDS: ReadonlySet<string> = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["false", "0", "no", "off"]);

/** A boolean, or the words an env var typically holds: true/false, 1/0, yes/no, on/off. */
export function parseBoolean(option: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  throw invalid(option, value, "true or false");
}

/** One of `allowed`, matched exactly (names are lowercase in docs, flags and config alike). */
export function parseEnum<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(option, value, `one of ${allowed.join(", ")}`);
}

/** A non-empty string, optionally matching `pattern` (described by `allowed` in the error). */
export function parseString(
  option: string,
  value: unknown,
  rule: { pattern?: RegExp; allowed?: string } = {},
): string {
  if (typeof value === "string" && value !== "" && (rule.pattern === undefined || rule.pattern.test(value))) {
    return value;
  }
  throw invalid(option, value, rule.allowed ?? "a non-empty string");
}

/**
 * A secret (the admin token): checked like parseString, with a minimum length, but an
 * error shows only its length: a token must not end up in a terminal's scrollback or a log.
 */
export function parseSecret(option: string, value: unknown, rule: { pattern: RegExp; minLength: number; allowed: string }): string {
  if (typeof value === "string" && value.length >= rule.minLength && rule.pattern.test(value)) return value;
  const shown = typeof value === "string" ? `a value of ${value.length} character${value.length === 1 ? "" : "s"} (not shown)` : describeValue(value);
  throw new CorralError("CORRAL_ERR_BAD_OPTION", `${option}: ${shown} is not valid; expected ${rule.allowed}`);
}

/** A list of strings (node or app arguments). */
export function parseStringList(option: string, value: unknown): string[] {
  // Spread first: every() skips the holes of a sparse array ([, "x"] from a JS config file).
  if (Array.isArray(value) && [...value].every((item) => typeof item === "string")) return [...value];
  throw invalid(option, value, "a list of strings");
}

/**
 * Environment variables for the workers. Numbers and booleans are accepted and
 * stringified, since `{ PORT: 3000 }` in a config file plainly means "3000".
 */
export function parseStringMap(option: string, value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(option, value, "an object of NAME: value strings");
  }
  const result: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") {
      throw invalid(`${option}.${name}`, item, "a string");
    }
    result[name] = String(item);
  }
  return result;
}

/** The badOption error, with objects and lists shown readably rather than as "[object Object]". */
export function invalid(option: string, value: unknown, allowed: string): CorralError {
  return badOptionValue(option, describeValue(value), allowed);
}

/** A short rendering of a value of any type, for messages about structured options. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => describeValue(item)).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return "an object";
}
