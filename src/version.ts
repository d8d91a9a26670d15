import { readFileSync } from "node:fs";

/** corral's version, from its package.json (read once at startup, not per request). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
