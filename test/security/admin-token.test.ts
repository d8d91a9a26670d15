// The admin token on a real admin server: no sign-in through the URL (it would
// land in proxy logs and history), and a client guessing tokens gets 429 after
// a few wrong ones — the right token included, so it learns nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FAILURES_ALLOWED } from "../../src/admin/throttle.js";
import { startWithAdmin } from "../helpers/admin.js";
import { fixture, request } from "../helpers/corral.js";

const TOKEN = "a-token-of-more-than-16-chars";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

test("/?token= does not sign in; wrong tokens are throttled with 429 and Retry-After", async () => {
  const { corral, adminPort } = await startWithAdmin(fixture("hello.cjs"), { workers: 1, name: "token-url", args: ["--admin-token", TOKEN] });
  try {
    const viaUrl = await request(adminPort, `/?token=${encodeURIComponent(TOKEN)}`);
    assert.equal(viaUrl.status, 401, "the sign-in form, not a redirect");
    assert.equal(viaUrl.headers["set-cookie"], undefined, "no session from a URL");
    assert.match(viaUrl.body, /<form method="post" action="\/login">/);

    for (let i = 0; i < FAILURES_ALLOWED; i++) {
      const wrong = await request(adminPort, "/login", { method: "POST", headers: FORM, body: `token=wrong-guess-number-${i}` });
      assert.equal(wrong.status, 401, `guess ${i}`);
    }
    const right = await request(adminPort, "/login", { method: "POST", headers: FORM, body: `token=${encodeURIComponent(TOKEN)}` });
    assert.equal(right.status, 429, "throttled, right token or not");
    assert.ok(Number(right.headers["retry-after"]) > 0 && Number(right.headers["retry-after"]) <= 60, `Retry-After: ${right.headers["retry-after"]}`);
    assert.equal(right.headers["set-cookie"], undefined);
    const bearer = await request(adminPort, "/status", { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bearer.status, 429, "the Bearer header from the same client too");
    assert.equal((await request(adminPort, "/healthz")).status, 200, "probes need no token and are never throttled");
    await corral.stop(0);
  } finally {
    corral.kill();
  }
});
