/**
 * How many CPUs this process may really use. os.availableParallelism() sees the
 * CPU affinity mask but (depending on the libuv version) not the cgroup CPU
 * quota, so in a container limited to 1.5 CPUs on a 64-core host it says 64, and
 * 64 workers would fight over 1.5 CPUs of time slices. We take the lower of the two.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { invalid } from "./values.js";

/** cgroup v2 `cpu.max`: "max 100000" → null (no limit), "150000 100000" → 1.5. Anything else → null. */
export function quotaFromCpuMax(text: string): number | null {
  const [quota, period = "100000"] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return null;
  return ratio(quota, period);
}

/** cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`: a quota of -1 means no limit. */
export function quotaFromCfs(quotaText: string, periodText: string): number | null {
  return ratio(quotaText.trim(), periodText.trim());
}

function ratio(quotaText: string, periodText: string): number | null {
  if (!/^\d+$/.test(quotaText) || !/^\d+$/.test(periodText)) return null;
  const quota = Number(quotaText);
  const period = Number(periodText);
  return quota > 0 && period > 0 ? quota / period : null;
}

/** The cgroup paths in `/proc/self/cgroup`: the v2 one ("0::/path") and the v1 cpu controller's. */
export function cgroupPaths(procSelfCgroup: string): { v2: string | null; v1: { mount: string; path: string } | null } {
  let v2: string | null = null;
  let v1: { mount: string; path: string } | null = null;
  for (const line of procSelfCgroup.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers = "", cgroupPath = "/"] = match;
    if (id === "0" && controllers === "") v2 = cgroupPath;
    else if (controllers.split(",").includes("cpu")) v1 = { mount: controllers, path: cgroupPath };
  }
  return { v2, v1 };
}

/**
 * `/a/b` → `/a/b`, `/a`, `/`. Walking up matters twice over: a parent cgroup's
 * limit applies to its children (systemd slices, Kubernetes pod vs container),
 * and in a container without a cgroup namespace the host path we read does not
 * exist under the container's /sys/fs/cgroup, whose own limit sits at its root.
 */
function selfAndAncestors(cgroupPath: string): string[] {
  const chain: string[] = [];
  let current = path.posix.normalize(cgroupPath.startsWith("/") ? cgroupPath : `/${cgroupPath}`);
  for (;;) {
    chain.push(current);
    if (current === "/") return chain;
    current = path.posix.dirname(current);
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function lowest(quotas: Array<number | null>): number | null {
  const found = quotas.filter((quota): quota is number => quota !== null);
  return found.length === 0 ? null : Math.min(...found);
}

/** The CPU quota in CPUs (1.5 = one and a half), or null when unlimited or unknown. `root` is "/" outside tests. */
export function cpuQuota(root = "/"): number | null {
  const cgroupRoot = path.join(root, "sys/fs/cgroup");
  const paths = cgroupPaths(readText(path.join(root, "proc/self/cgroup")) ?? "");
  const v2 = lowest(
    selfAndAncestors(paths.v2 ?? "/").map((dir) => {
      const text = readText(path.join(cgroupRoot, dir, "cpu.max"));
      return text === null ? null : quotaFromCpuMax(text);
    }),
  );
  if (v2 !== null || paths.v1 === null) return v2;
  // v1 mounts the cpu controller as "cpu,cpuacct" on most distros, with "cpu" as a symlink; try both.
  const mounts = [...new Set([paths.v1.mount, "cpu", "cpu,cpuacct"])];
  const v1Quotas = mounts.flatMap((mount) =>
    selfAndAncestors(paths.v1!.path).map((dir) => {
      const quota = readText(path.join(cgroupRoot, mount, dir, "cpu.cfs_quota_us"));
      const period = readText(path.join(cgroupRoot, mount, dir, "cpu.cfs_period_us"));
      return quota === null || period === null ? null : quotaFromCfs(quota, period);
    }),
  );
  return lowest(v1Quotas);
}

/** CPUs available to this process: availableParallelism(), lowered to the cgroup quota (at least 1). */
export function usableCpus(options: { root?: string; available?: number } = {}): number {
  const available = options.available ?? availableParallelism();
  const quota = cpuQuota(options.root);
  // A fractional quota rounds down: 1.5 CPUs of time run 1 busy worker better than 2 throttled ones.
  if (quota !== null && quota < available) return Math.max(1, Math.floor(quota));
  return available;
}

/** More workers than this is a typo, not a plan: each one is a whole Node.js process. */
export const MAX_WORKERS = 1024;

/** `--workers`: undefined or "max" → usable, -1 → one less (at least 1), N → N. */
export function resolveWorkerCount(value: unknown, usable: number | (() => number), option = "--workers"): number {
  // A function, so that the cgroup files are read only when the count depends on them.
  const cpus = (): number => (typeof usable === "function" ? usable() : usable);
  if (value === undefined || value === "max") return cpus();
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (text === "-1") return Math.max(1, cpus() - 1);
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    if (count >= 1 && count <= MAX_WORKERS) return count;
  }
  throw invalid(option, value, `a positive integer (at most ${MAX_WORKERS}), max or -1`);
}
