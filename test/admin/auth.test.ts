// AdminAuth (src/admin/auth.ts) and its failure throttle, on plain request objects:
// who may read and write, the loopback and origin guards, the token in its two
// forms (Bearer, session cookie), and the 429 after too many wrong tokens.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { AdminAuth, type Access } from "../../src/admin/auth.js";
import { FailureThrottle, clientKey, FAILURES_ALLOWED, MAX_CLIENTS, WINDOW_MS } from "../../src/admin/throttle.js";

const TOKEN = "0123456789abcdef-token";
const PORT = 9100;

function req(headers: Record<string, string> = {}, remoteAddress = "127.0.0.1"): IncomingMessage {
  return { headers: { host: `127.0.0.1:${PORT}`, ...headers }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

/** A clock tests move by hand. */
function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe("AdminAuth without a token (loopback only)", () => {
  const auth = new AdminAuth(null, true, PORT);
  for (const access of ["open", "read", "write"] as Access[]) {
    it(`${access}: allowed from a loopback host name`, () => assert.equal(auth.check(req(), access), null));
  }
  it("a foreign Host (DNS rebinding) is refused, even for probes", () => {
    assert.deepEqual(auth.check(req({ host: "evil.example:9100" }), "open"), { status: 403, reason: "this admin server only answers loopback host names" });
    assert.equal(auth.check(req({ host: "localhost:9100" }), "read"), null);
    assert.equal(auth.check(req({ host: "[::1]:9100" }), "read"), null);
  });
  it("a write from another origin (CSRF) is refused; from this origin or without one it is allowed", () => {
    assert.equal(auth.check(req({ origin: "http://evil.example" }), "write")?.status, 403);
    assert.equal(auth.check(req({ origin: "null" }), "write")?.status, 403);
    assert.equal(auth.check(req({ origin: `http://127.0.0.1:${PORT}` }), "write"), null);
    assert.equal(auth.check(req({ origin: "http://evil.example" }), "read"), null, "reads are not CSRF");
  });
  it("writes need no token", () => {
    assert.equal(auth.tokenRequired, false);
    assert.equal(auth.writeMode(req()), "allowed");
  });
});

describe("AdminAuth with a token", () => {
  const auth = new AdminAuth(TOKEN, false, PORT);
  const cookie = auth.sessionCookie().split(";")[0]!;

  it("probes stay open; reads and writes need the token", () => {
    assert.equal(auth.check(req(), "open"), null);
    assert.equal(auth.check(req(), "read")?.status, 401);
    assert.equal(auth.check(req(), "write")?.status, 401);
  });
  it("any Host is answered (a token guards it, not the host name)", () => {
    assert.equal(auth.check(req({ host: "api.example:9100", authorization: `Bearer ${TOKEN}` }), "read"), null);
  });
  it("Bearer: the right token in, a wrong one 401", () => {
    assert.equal(auth.check(req({ authorization: `Bearer ${TOKEN}` }), "write"), null);
    assert.equal(auth.check(req({ authorization: `bearer  ${TOKEN} ` }), "read"), null, "scheme case and spacing");
    assert.deepEqual(auth.check(req({ authorization: "Bearer nope" }, "10.0.0.1"), "read"), { status: 401, reason: "wrong admin token" });
    assert.equal(auth.check(req({ authorization: `Basic ${TOKEN}` }), "read")?.status, 401);
  });
  it("the session cookie is a hash of the token, not the token, and lets a browser read and write", () => {
    assert.match(auth.sessionCookie(), /HttpOnly; SameSite=Strict/);
    assert.ok(!auth.sessionCookie().includes(TOKEN));
    assert.equal(auth.check(req({ cookie: `other=1; ${cookie}` }), "read"), null);
    assert.equal(auth.check(req({ cookie }), "write"), null);
    assert.equal(auth.writeMode(req({ cookie })), "allowed");
    assert.equal(auth.writeMode(req({ authorization: `Bearer ${TOKEN}` })), "token");
  });
  it("a cookie of another port, or a forged one, is not a session", () => {
    const other = new AdminAuth(TOKEN, false, PORT + 1).sessionCookie().split(";")[0]!;
    assert.equal(auth.check(req({ cookie: other }), "read")?.status, 401);
    assert.equal(auth.check(req({ cookie: `${auth.cookieName}=${"A".repeat(43)}` }), "read")?.status, 401);
    assert.equal(auth.check(req({ cookie: `${auth.cookieName}=${TOKEN}` }), "read")?.status, 401, "the token itself is not the cookie");
  });
  it("a write with a foreign Origin is refused even with the cookie", () => {
    assert.equal(auth.check(req({ cookie, origin: "http://evil.example" }), "write")?.status, 403);
  });
});

describe("wrong tokens are throttled per client", () => {
  it(`after ${FAILURES_ALLOWED} wrong tokens a client gets 429 (even with the right one) until its window ends; others are not affected`, () => {
    const time = clock();
    const auth = new AdminAuth(TOKEN, false, PORT, new FailureThrottle(time.now));
    for (let i = 0; i < FAILURES_ALLOWED; i++) assert.equal(auth.verify(`wrong-${i}`, "10.0.0.7"), "wrong");
    const refused = auth.verify(TOKEN, "10.0.0.7");
    assert.ok(typeof refused === "object" && refused.status === 429, "the right token is refused too: a guesser learns nothing");
    assert.equal(refused.retryAfterS, WINDOW_MS / 1000);
    assert.equal(auth.check(req({ authorization: `Bearer ${TOKEN}` }, "10.0.0.7"), "read")?.status, 429, "Bearer checks count the same");
    assert.equal(auth.verify(TOKEN, "10.0.0.8"), "right", "another client");
    time.advance(WINDOW_MS - 1000);
    assert.equal((auth.verify(TOKEN, "10.0.0.7") as { retryAfterS: number }).retryAfterS, 1);
    time.advance(1000);
    assert.equal(auth.verify(TOKEN, "10.0.0.7"), "right", "a new window");
  });
  it("the right token does not reset a client's count, and failures in an old window are forgotten", () => {
    const time = clock();
    const throttle = new FailureThrottle(time.now);
    for (let i = 0; i < FAILURES_ALLOWED - 1; i++) throttle.fail("10.0.0.9");
    assert.equal(throttle.retryAfterMs("10.0.0.9"), 0);
    time.advance(WINDOW_MS);
    throttle.fail("10.0.0.9");
    assert.equal(throttle.retryAfterMs("10.0.0.9"), 0, "one failure in the new window");
  });
  it(`memory stays bounded: at most ${MAX_CLIENTS} clients, the oldest forgotten first`, () => {
    const throttle = new FailureThrottle(clock().now);
    for (let i = 0; i < FAILURES_ALLOWED; i++) throttle.fail("192.0.2.1");
    for (let i = 0; i < MAX_CLIENTS * 3; i++) throttle.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.equal(throttle.size, MAX_CLIENTS);
    assert.equal(throttle.retryAfterMs("192.0.2.1"), 0, "the oldest client was forgotten");
  });
  it("IPv6 clients count per /64; IPv4-mapped addresses count as IPv4", () => {
    assert.equal(clientKey("2001:db8:1:2:aaaa::1"), clientKey("2001:0db8:0001:0002:bbbb:cccc:dddd:eeee"));
    assert.notEqual(clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:3::1"));
    assert.equal(clientKey("::ffff:10.1.2.3"), "10.1.2.3");
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
    const throttle = new FailureThrottle(clock().now);
    for (let i = 0; i < FAILURES_ALLOWED; i++) throttle.fail(`2001:db8:1:2::${i + 1}`);
    assert.ok(throttle.retryAfterMs("2001:db8:1:2::ffff") > 0, "a new address in the same /64 is still throttled");
  });
});
