/**
 * `--allow-ports 80,443,3000-3010`: the TCP ports workers may listen on (the
 * root primary opens them on their behalf, so under --user this is what a
 * worker's code can bind). A number, a "PORT" or "LOW-HIGH" list (commas or
 * spaces), or an array of those (config files). Port 0 in the list lets a
 * worker listen on a random free port, as `listen(0)` does.
 */
import { invalid } from "./values.js";

export interface PortRange {
  readonly low: number;
  readonly high: number;
}

const ALLOWED = "a list of ports and ranges from 0 to 65535, like 80,443,3000-3010";
const ITEM = /^(\d{1,5})(?:-(\d{1,5}))?$/;

export function parsePortList(option: string, value: unknown): readonly PortRange[] {
  const items = Array.isArray(value) ? [...value] : typeof value === "string" ? value.split(/[\s,]+/).filter((item) => item !== "") : [value];
  if (items.length === 0) throw invalid(option, value, ALLOWED);
  const ranges = items.map((item) => {
    const match = typeof item === "number" ? ITEM.exec(String(item)) : typeof item === "string" ? ITEM.exec(item.trim()) : null;
    if (!match) throw invalid(option, value, ALLOWED);
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (high > 65_535 || low > high) throw invalid(option, value, ALLOWED);
    return Object.freeze({ low, high });
  });
  return Object.freeze(ranges);
}

export function portAllowed(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((range) => port >= range.low && port <= range.high);
}

/** The list as the user would write it: "80,443,3000-3010". */
export function formatPortList(ranges: readonly PortRange[]): string {
  return ranges.map((range) => (range.low === range.high ? String(range.low) : `${range.low}-${range.high}`)).join(",");
}
