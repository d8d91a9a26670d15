/**
 * Which node options take a value, so that `corral start app.js -- --max-old-space-size 512 serve`
 * gives node `--max-old-space-size=512` and the app `serve`, instead of giving the app `512 serve`.
 *
 * The list comes from the node that will run the workers (node:cluster forks process.execPath):
 * `node --help` marks node's own value options with "=…" (`-r, --require=...`; an optional value,
 * `--inspect[=[host:]port]`, takes none unless joined), and `node --v8-options` gives each V8 flag's
 * type (anything but bool takes a value). Read once, and only when a command line needs it.
 */
import { spawnSync } from "node:child_process";

/**
 * Long options that take a value, as `--name` with dashes (V8 also spells them with underscores).
 * Process-wide: the node that runs the workers is this process's execPath for its whole life.
 */
let cached: ReadonlySet<string> | null = null;

export function nodeOptionTakesValue(flag: string): boolean {
  cached ??= readValueOptions(process.execPath);
  return cached.has(normalize(flag));
}

function normalize(flag: string): string {
  return flag.startsWith("--") ? `--${flag.slice(2).replace(/_/g, "-")}` : flag;
}

function readValueOptions(node: string): ReadonlySet<string> {
  const found = new Set<string>();
  for (const line of run(node, "--help").split("\n")) {
    // "  -e, --eval=...   evaluate script", "  --loader, --experimental-loader=...", "  --inspect[=[host:]port]"
    const spec = /^ {2}(-[^\s,]*(?:, -[^\s,]*)*)/.exec(line)?.[1];
    if (spec === undefined || !/^[^[]*=/.test(spec)) continue;
    for (const name of spec.split(", ")) found.add(normalize(name.split("=")[0]!));
  }
  let flag: string | null = null;
  for (const line of run(node, "--v8-options").split("\n")) {
    // "  --max-old-space-size (max size of the old space (in Mbytes))" then "        type: size_t  default: …"
    const name = /^ {2}(--[\w-]+) \(/.exec(line)?.[1];
    if (name !== undefined) flag = name;
    const type = /^\s+type: (\w+)/.exec(line)?.[1];
    if (type !== undefined && flag !== null) {
      if (type !== "bool") found.add(normalize(flag));
      flag = null;
    }
  }
  return found;
}

function run(node: string, option: string): string {
  const result = spawnSync(node, [option], { encoding: "utf8", timeout: 10_000, maxBuffer: 16 * 1024 * 1024 });
  return result.stdout ?? "";
}
