/** A log file's text so far; "" while it does not exist yet (tests poll for lines to appear). */
import { readFileSync } from "node:fs";

export function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
