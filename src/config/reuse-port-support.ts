/**
 * `--balance os` lets the kernel spread connections over one SO_REUSEPORT
 * socket per worker. Node exposes it as `listen({ reusePort: true })` since
 * 22.12 / 23.1, and libuv only implements it where the kernel balances
 * (Linux 3.9+, FreeBSD 12+, Solaris 11.4, AIX 7.2.5); elsewhere listen fails, so
 * we refuse up front instead of at the first listen() in every worker.
 */
const REUSEPORT_PLATFORMS: ReadonlySet<string> = new Set(["linux", "android", "freebsd", "sunos", "aix"]);

/** Why `reusePort` is unavailable on this Node and platform, or null when it is available. */
export function reusePortUnavailable(
  nodeVersion: string = process.versions.node,
  platform: string = process.platform,
): string | null {
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, "").split(".").map(Number);
  const hasOption = major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  if (!hasOption) {
    return `it needs Node >= 22.12 (or >= 23.1) and this is Node ${nodeVersion}; upgrade Node or pick another strategy`;
  }
  if (!REUSEPORT_PLATFORMS.has(platform)) {
    return `${platform} does not support it (Linux, FreeBSD, Solaris and AIX do); pick another strategy`;
  }
  return null;
}
