/**
 * The dotenv format of `node --env-file` (and the dotenv package), parsed by us:
 * `util.parseEnv` exists only from Node 20.12, and corral runs on 20.6.
 *
 *   # a comment              blank lines and comment lines are skipped
 *   export PORT=3000         an `export ` prefix is allowed (a file that is also sourced by sh)
 *   NAME = value # comment   spaces around the name and an unquoted value are trimmed; # starts a comment
 *   GREETING="hi\nthere"     double quotes: \n is a newline; single quotes and backticks: as written
 *   KEY="one                 a quoted value may span lines
 *   two"
 *   EMPTY=                   an empty value
 *
 * A later line wins over an earlier one with the same name, as in node. Where node silently
 * skips a line it cannot read, this parser names it (EnvFileSyntaxError): a typo in a secrets
 * file should stop a start, not leave a variable unset in production.
 */

export class EnvFileSyntaxError extends Error {
  constructor(
    /** 1-based line number. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Names as dotenv and node read them: letters, digits, `_`, `.`, `-`. */
const NAME = /^[A-Za-z0-9_.-]+$/;
const EXPORT = /^export\s+/;
const QUOTES = new Set(['"', "'", "`"]);

export function parseDotenv(text: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    // Only the start is trimmed: a quoted value that runs on keeps the spaces before its line break.
    const line = lines[index]!.trimStart();
    if (line === "" || line.startsWith("#")) continue;
    const assignment = line.replace(EXPORT, "");
    const equals = assignment.indexOf("=");
    // The line itself is not shown: without its `=` it may be a value, and values may be secrets.
    if (equals < 0) throw new EnvFileSyntaxError(lineNumber, "no = on this line (expected NAME=value)");
    const name = assignment.slice(0, equals).trimEnd();
    if (!NAME.test(name)) throw new EnvFileSyntaxError(lineNumber, `${JSON.stringify(name.slice(0, 64))} is not a variable name (letters, digits, _ . -)`);
    const raw = assignment.slice(equals + 1).trimStart();
    if (raw.trim() === "") {
      vars[name] = "";
      continue;
    }
    const quote = raw[0];
    if (quote === undefined || !QUOTES.has(quote)) {
      const hash = raw.indexOf("#");
      vars[name] = (hash < 0 ? raw : raw.slice(0, hash)).trim();
      continue;
    }
    // A quoted value runs to the next same quote, on this line or a later one. Each line is searched
    // once: searching the value so far at every line made an unclosed quote near the top of a 1 MB
    // file quadratic (36 s of a primary's event loop, on corral reload).
    const parts = [raw.slice(1)];
    let close = parts[0]!.indexOf(quote);
    let last = index;
    while (close < 0 && last + 1 < lines.length) {
      last++;
      parts.push(lines[last]!);
      close = lines[last]!.indexOf(quote);
    }
    if (close < 0) throw new EnvFileSyntaxError(lineNumber, `the ${quote} quote that opens ${name}'s value is never closed`);
    const closing = parts[parts.length - 1]!;
    const rest = closing.slice(close + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) throw new EnvFileSyntaxError(last + 1, `unexpected text after ${name}'s closing ${quote} quote`);
    parts[parts.length - 1] = closing.slice(0, close);
    const value = parts.join("\n");
    vars[name] = quote === '"' ? value.replace(/\\n/g, "\n") : value;
    index = last;
  }
  return { ...vars };
}
