/**
 * External programs some tests need (installed by scripts/install-test-tools.sh):
 * promtool, chromium, tmux, nginx, haproxy and logrotate (the deploy/ recipes), unshare (a pid namespace,
 * as in a container), and a Node 24 binary for the reusePort (`--balance os`) tests.
 *
 *   test("metrics pass promtool", async (t) => {
 *     const promtool = requireTool(t, "promtool");
 *     if (!promtool) return; // skipped locally; in CI requireTool has already thrown
 *     ...
 *   });
 *
 * Locally a missing tool skips the test with a loud warning; in CI (`CI` set) it fails
 * the test, because CI runs the installer first and a silent skip there would hide
 * that the feature went untested.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export type ToolName = "promtool" | "chromium" | "tmux" | "nginx" | "haproxy" | "logrotate" | "node24" | "systemd-socket-activate" | "systemd-notify" | "python3" | "unshare";

/** Where each tool may be overridden, e.g. CORRAL_CHROMIUM=/opt/chrome/chrome. */
const ENV: Record<ToolName, string> = {
  promtool: "CORRAL_PROMTOOL",
  chromium: "CORRAL_CHROMIUM",
  tmux: "CORRAL_TMUX",
  nginx: "CORRAL_NGINX",
  haproxy: "CORRAL_HAPROXY",
  logrotate: "CORRAL_LOGROTATE",
  node24: "CORRAL_NODE24",
  "systemd-socket-activate": "CORRAL_SYSTEMD_SOCKET_ACTIVATE",
  "systemd-notify": "CORRAL_SYSTEMD_NOTIFY",
  python3: "CORRAL_PYTHON3",
  unshare: "CORRAL_UNSHARE",
};

export const NODE24_DEFAULT = join(ROOT, ".tools/node24/node_modules/.bin/node");

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian installs daemons (nginx, haproxy) in /usr/sbin, which a non-root PATH often lacks; older systemd keeps systemd-socket-activate in /lib/systemd. */
const SBIN = ["/usr/sbin", "/usr/local/sbin", "/lib/systemd", "/usr/lib/systemd"];

/** First executable `name` on PATH (then in the sbin directories), or null. */
function onPath(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? "").split(delimiter), ...SBIN]) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The Node 24 binary: $CORRAL_NODE24 if set, else the one the installer puts in .tools/. */
export function node24Path(): string | null {
  const override = process.env[ENV.node24];
  if (override) return isExecutable(override) ? override : null;
  return isExecutable(NODE24_DEFAULT) ? NODE24_DEFAULT : null;
}

/** Absolute path of a tool, or null when it is not installed (or its override points nowhere). */
export function findTool(name: ToolName): string | null {
  if (name === "node24") return node24Path();
  const override = process.env[ENV[name]];
  if (override) return isExecutable(override) ? override : null;
  return onPath(name);
}

const warned = new Set<ToolName>();

/**
 * The tool's path, or, when it is missing: in CI throws (failing the test); otherwise
 * skips the test, warns on stderr, and returns null so the caller can `return`.
 */
export function requireTool(t: TestContext, name: ToolName): string | null {
  const path = findTool(name);
  if (path) return path;
  const override = process.env[ENV[name]];
  const where = override ? `${ENV[name]}=${override} is not an executable` : `${name} not found`;
  if (process.env.CI) {
    throw new Error(`${where}: scripts/install-test-tools.sh should have installed it (CI runs it before the tests)`);
  }
  const message = `${name} missing: run scripts/install-test-tools.sh`;
  if (!warned.has(name)) {
    warned.add(name);
    const line = `!! ${message} — tests that need it are SKIPPED (${where}) !!`;
    process.stderr.write(`\n${"!".repeat(line.length)}\n${line}\n${"!".repeat(line.length)}\n\n`);
  }
  t.skip(message);
  return null;
}
