/**
 * Who may do what on the admin server.
 *
 * - No token (only possible on loopback; resolve.ts refuses a public bind
 *   without one): everything is open, writes included.
 * - A token: the probes (/healthz, /readyz) stay open, because load balancers
 *   and kubelets send no credentials; everything else needs the token, as
 *   `Authorization: Bearer <token>` (Prometheus, curl, scripts) or as the
 *   session cookie a browser gets from the login form (a browser cannot put a
 *   header on a page load or an EventSource). The cookie holds a hash of the
 *   token, not the token, and is HttpOnly and SameSite=Strict. No token in
 *   URLs (`/?token=`): URLs end up in proxy logs and browser history. Wrong
 *   tokens are throttled per client (throttle.ts): 429 with Retry-After.
 *
 * Browsers need two more guards, token or not: a page on another site can POST
 * to 127.0.0.1 without a preflight (CSRF), so writes with a foreign Origin are
 * refused; and a hostile DNS name can resolve to 127.0.0.1 and read our data
 * (DNS rebinding), so a loopback server without a token answers only Host
 * names that are loopback too (with a token, such a page can read nothing).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopbackHost } from "../config/admin.js";
import { FailureThrottle } from "./throttle.js";

export type Access = "open" | "read" | "write";

/** The `x-corral-write` header on GET /status: can this caller's page reload and scale, and how? */
export type WriteMode = "allowed" | "token" | "denied";

export interface Refusal {
  status: 401 | 403 | 429;
  reason: string;
  /** With 429: when the client may try again (the Retry-After header). */
  retryAfterS?: number;
}

/** What a presented token got: in, out, or "stop guessing for a while". */
export type TokenVerdict = "right" | "wrong" | Refusal;

export class AdminAuth {
  private readonly digest: Buffer | null;
  private readonly cookieValue: string | null;
  private readonly guardHost: boolean;
  /** Per port: cookies are scoped by host, not port, and two supervisors may share a host. */
  readonly cookieName: string;

  constructor(
    token: string | null,
    boundToLoopback: boolean,
    port: number,
    private readonly throttle = new FailureThrottle(),
  ) {
    this.digest = token === null ? null : sha256(token);
    this.cookieValue = token === null ? null : sha256(`corral-admin-session:${token}`).toString("base64url");
    this.guardHost = boundToLoopback && token === null;
    this.cookieName = `corral_admin_${port}`;
  }

  get tokenRequired(): boolean {
    return this.digest !== null;
  }

  /** Null when the request may proceed, else the status and reason to refuse it with. */
  check(req: IncomingMessage, access: Access): Refusal | null {
    if (this.guardHost && !hostIsLoopback(req.headers.host)) {
      return { status: 403, reason: "this admin server only answers loopback host names" };
    }
    if (access === "write" && !sameOrigin(req)) return { status: 403, reason: "cross-origin write refused" };
    if (access === "open" || this.digest === null) return null;
    const presented = bearer(req.headers.authorization);
    if (presented !== null) {
      const verdict = this.verify(presented, req.socket?.remoteAddress);
      return verdict === "right" ? null : verdict === "wrong" ? { status: 401, reason: "wrong admin token" } : verdict;
    }
    if (this.hasSessionCookie(req)) return null;
    return { status: 401, reason: "this admin server needs its token: Authorization: Bearer <token>" };
  }

  /** A token from `address` (Bearer header or sign-in form), counted against the client when wrong. */
  verify(token: string, address: string | undefined): TokenVerdict {
    const waitMs = this.throttle.retryAfterMs(address);
    if (waitMs > 0) {
      const retryAfterS = Math.ceil(waitMs / 1000);
      return { status: 429, reason: `too many wrong admin tokens from this client; try again in ${retryAfterS} s`, retryAfterS };
    }
    if (this.matches(token)) return "right";
    this.throttle.fail(address);
    return "wrong";
  }

  /** Constant time: hashing first makes both sides the same length, so timing says nothing about the token. */
  private matches(token: string): boolean {
    return this.digest !== null && timingSafeEqual(sha256(token), this.digest);
  }

  /** For a caller allowed to read /status. */
  writeMode(req: IncomingMessage): WriteMode {
    if (this.digest === null) return "allowed";
    // A browser logged in with the cookie writes with it too; an API caller keeps sending its Bearer header.
    return bearer(req.headers.authorization) === null && this.hasSessionCookie(req) ? "allowed" : "token";
  }

  sessionCookie(): string {
    return `${this.cookieName}=${this.cookieValue}; Path=/; HttpOnly; SameSite=Strict`;
  }

  private hasSessionCookie(req: IncomingMessage): boolean {
    if (this.cookieValue === null) return false;
    const value = cookie(req.headers.cookie, this.cookieName);
    if (value === null || value.length !== this.cookieValue.length) return false;
    return timingSafeEqual(Buffer.from(value), Buffer.from(this.cookieValue));
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

function cookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** "127.0.0.1:9000", "[::1]:9000", "localhost" → loopback? A request without Host (HTTP/1.0 tools) is allowed. */
function hostIsLoopback(host: string | undefined): boolean {
  if (host === undefined || host === "") return true;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  const name = bracketed ? bracketed[1]! : host.replace(/:\d+$/, "");
  return isLoopbackHost(name);
}

/** Browsers send Origin on every cross-origin POST; curl and the CLI send none. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage
  }
}
