/**
 * The one page a browser sees on an admin server with a token before it has
 * the session cookie: a form that POSTs the token to /login (a POST, so the
 * token stays out of the address bar, history and proxy logs; there is no
 * `/?token=` link). A right token gets the cookie and a redirect to the
 * dashboard; a wrong one the form again; too many wrong ones a 429 (auth.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AdminAuth } from "./auth.js";

const MAX_FORM = 4096;

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(problem: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>corral · sign in</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  form { width: min(22rem, 90vw); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 15%, transparent); border-radius: 12px; }
  h1 { font-size: 1.2rem; margin: 0 0 .25rem; } p { margin: 0 0 1rem; opacity: .7; font-size: .9rem; }
  input, button { font: inherit; width: 100%; box-sizing: border-box; padding: .55rem .7rem; border-radius: 8px; }
  input { border: 1px solid color-mix(in srgb, CanvasText 25%, transparent); background: Canvas; color: CanvasText; margin-bottom: .75rem; }
  button { border: 0; background: #3b6cf6; color: #fff; cursor: pointer; }
  .error { color: #d33; opacity: 1; }
</style></head>
<body><form method="post" action="/login">
  <h1>corral</h1>
  <p${problem ? ' class="error"' : ""}>${problem ?? "This admin server needs its token (--admin-token)."}</p>
  <input type="password" name="token" placeholder="Admin token" autocomplete="current-password" autofocus required aria-label="Admin token">
  <button type="submit">Open dashboard</button>
</form></body></html>
`;
}

export function sendLoginPage(res: ServerResponse, problem: string | null = null, status = 401, extra: Record<string, string> = {}): void {
  const body = page(problem);
  res.writeHead(status, {
    ...extra,
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "www-authenticate": 'Bearer realm="corral"',
    "content-security-policy": PAGE_CSP,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}

/** A right token: set the session cookie and go to the dashboard; a wrong one: the form again. */
export function logIn(res: ServerResponse, auth: AdminAuth, token: string | null, address: string | undefined): void {
  if (token === null) return sendLoginPage(res);
  const verdict = auth.verify(token, address);
  if (verdict === "wrong") return sendLoginPage(res, "That token is not right.");
  if (verdict !== "right") return sendLoginPage(res, `Too many wrong tokens: try again in ${verdict.retryAfterS} s.`, 429, { "retry-after": String(verdict.retryAfterS) });
  res.writeHead(303, { location: "/", "set-cookie": auth.sessionCookie(), "cache-control": "no-store", "content-length": 0 });
  res.end();
}

/** The `token` field of an application/x-www-form-urlencoded body. */
export function readTokenForm(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > MAX_FORM) {
        req.destroy();
        resolve(null);
      }
    });
    req.on("end", () => resolve(new URLSearchParams(text).get("token")));
    req.on("error", () => resolve(null));
  });
}
