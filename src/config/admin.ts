/**
 * `--admin [HOST:]PORT`. The admin server can reload and scale the app, so it
 * binds to loopback unless the user both asks for another address and sets a
 * token (checked in resolve.ts, which sees both options).
 */
import { isIP } from "node:net";
import type { AdminAddress } from "./types.js";
import { DEFAULTS } from "./defaults.js";
import { invalid } from "./values.js";

const ADMIN_EXAMPLE = "[HOST:]PORT like 9000, 127.0.0.1:9000 or [::1]:9000 (port 0 to 65535)";
const HOSTNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** "9000" | 9000 | "host:9000" | "[::1]:9000" → { host, port }; undefined → null (admin off). */
export function parseAdmin(option: string, value: unknown): AdminAddress | null {
  if (value === undefined) return null;
  let host: string = DEFAULTS.adminHost;
  let portText: string;
  if (typeof value === "number") portText = String(value);
  else if (typeof value === "string") {
    const text = value.trim();
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
    const lastColon = text.lastIndexOf(":");
    if (bracketed) [, host = "", portText = ""] = bracketed;
    else if (lastColon === -1) portText = text;
    // Two colons without brackets ("::1:9000") cannot be split safely into address and port.
    else if (text.indexOf(":") !== lastColon) throw invalid(option, value, ADMIN_EXAMPLE);
    else {
      host = text.slice(0, lastColon);
      portText = text.slice(lastColon + 1);
    }
  } else throw invalid(option, value, ADMIN_EXAMPLE);

  const port = Number(portText);
  const validHost = isIP(host) !== 0 || HOSTNAME_PATTERN.test(host);
  const bracketedNonV6 = typeof value === "string" && value.trim().startsWith("[") && isIP(host) !== 6;
  if (!/^\d+$/.test(portText) || port > 65_535 || !validHost || bracketedNonV6) {
    throw invalid(option, value, ADMIN_EXAMPLE);
  }
  return Object.freeze({ host, port });
}

/**
 * Loopback means only this machine can connect: 127.0.0.0/8, ::1 (also as an
 * IPv4-mapped address) and "localhost", which resolvers must map to loopback (RFC 6761).
 */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower.endsWith(".localhost")) return true;
  if (isIP(lower) === 6) {
    if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && isLoopbackHost(mapped[1]!);
  }
  return isIP(lower) === 4 && lower.startsWith("127.");
}
