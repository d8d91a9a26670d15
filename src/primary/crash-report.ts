/**
 * The app's own words when a worker failed: from the last stderr lines it
 * wrote, the throw site node prints (file:line, the source line, the caret),
 * the error's message line (`Error: missing DATABASE_URL`, `SyntaxError: …`)
 * and then its stack. Only the tail of stderr is not enough: node prints up to
 * ten frames and a version line after the message, so a "last 10 lines" report
 * cut off exactly the line that says what went wrong.
 *
 * Pure functions over lines: what the supervisor remembers per worker is
 * bounded here too (lines kept, characters per line).
 */
import { fileURLToPath } from "node:url";

/** Stderr lines remembered per worker: an error with its stack and a cause fits, a log flood stays bounded. */
export const STDERR_LINES_KEPT = 100;
/** Longer stderr lines are cut when remembered (the log itself gets them whole). */
export const STDERR_LINE_CHARS = 2_000;
/** Stack frames shown per run of frames; the rest is counted. */
const FRAMES_SHOWN = 10;
/** The longest report, in lines. */
const REPORT_LINES = 40;
/** Without a recognisable error, the last lines are all we can show. */
const TAIL_LINES = 15;

const FRAME = /^\s+at\s/;
/** node's caret under the throw site. */
const CARET = /^\s*\^+\s*$/;
/** `Error: …`, `TypeError [ERR_X]: …`, `Uncaught SyntaxError: …`, `MyAppException: …`, at the start of a line. */
const MESSAGE = /^(?:Uncaught\s+)?[A-Za-z_$][\w$.]*(?:Error|Exception)(?:\s+\[[\w-]+\])?(?::|$)/;
/** A location line node prints above the throw site: `/app/server.js:12` or `file:///app/server.mjs:12`. */
const LOCATION = /:\d+$/;
/** corral's own files (dist/), as URL and path: a throw site there, or in node's internals, is not the app's. */
const OWN_URL = new URL("../", import.meta.url).href;
const OWN_PATH = fileURLToPath(OWN_URL);

/**
 * An 'error' nobody listened for is thrown where it was emitted (`node:events:497`, or corral's runtime
 * when it passes a listen error on): that throw site says nothing about the app, its message does.
 */
function isForeignSite(location: string): boolean {
  return location.startsWith("node:") || location.startsWith(OWN_URL) || location.startsWith(OWN_PATH);
}

/** Remembers `line` in `tail`, cut to STDERR_LINE_CHARS, keeping the last STDERR_LINES_KEPT lines. */
export function rememberLine(tail: string[], line: string): void {
  tail.push(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)} … (cut)` : line);
  if (tail.length > STDERR_LINES_KEPT) tail.shift();
}

/** The lines to show for a failed worker: the error from its throw site on, frames trimmed; else the last lines. */
export function crashReport(lines: readonly string[]): string[] {
  const start = errorStart(lines);
  if (start < 0) return trimBlank(lines.slice(-TAIL_LINES));
  return trimBlank(trimFrames(lines.slice(start))).slice(0, REPORT_LINES);
}

/** Where the last error begins: its throw site if node printed one, else its message line; -1 if none. */
function errorStart(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (CARET.test(lines[i]!)) {
      // file:line, then the source line, then the caret; a thrown non-Error may lack the location.
      if (i < 2 || !LOCATION.test(lines[i - 2]!)) return Math.max(0, i - 1);
      return isForeignSite(lines[i - 2]!) ? i + 1 : i - 2;
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    // A message followed by frames (an error the app printed itself, then exited); causes are indented.
    if (MESSAGE.test(lines[i]!) && lines.slice(i + 1).some((l) => FRAME.test(l))) return i;
  }
  for (let i = lines.length - 1; i >= 0; i--) if (MESSAGE.test(lines[i]!)) return i;
  return -1;
}

/** Keeps the first FRAMES_SHOWN frames of each run of stack frames, and says how many were left out. */
function trimFrames(lines: readonly string[]): string[] {
  const out: string[] = [];
  let run = 0;
  const endRun = (): void => {
    const hidden = run - FRAMES_SHOWN;
    if (hidden > 0) out.push(`    … ${hidden} more frame${hidden === 1 ? "" : "s"}`);
    run = 0;
  };
  for (const line of lines) {
    if (FRAME.test(line)) {
      if (++run <= FRAMES_SHOWN) out.push(line);
    } else {
      endRun();
      out.push(line);
    }
  }
  endRun();
  return out;
}

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === "") end--;
  let begin = 0;
  while (begin < end && lines[begin]!.trim() === "") begin++;
  return lines.slice(begin, end);
}
