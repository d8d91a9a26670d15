/**
 * The dashboard's files (dist/admin/assets: the page, its script and styles,
 * and uPlot, copied there at build time — nothing from a CDN).
 *
 * Files are read once and kept in memory (a few hundred KB at most); names are
 * resolved inside the assets directory only, and an unknown extension is not
 * served. Browsers revalidate with the ETag (the names carry no content hash,
 * so a long max-age would pin an old dashboard after an upgrade).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), "assets");

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Same-origin scripts and styles only; uPlot sets inline styles from script, which needs 'unsafe-inline' for style. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export class StaticFiles {
  private readonly cache = new Map<string, Promise<Asset | null>>();

  constructor(private readonly dir: string = ASSETS_DIR) {}

  /** `name` is the URL path below /assets/ (still percent-encoded). Sends 404 for anything not servable. */
  async serve(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const file = this.resolve(name);
    const asset = file === null ? null : await this.load(file);
    if (asset === null) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
      res.end("not found\n");
      return;
    }
    const headers: Record<string, string | number> = {
      "content-type": asset.type,
      etag: asset.etag,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    };
    if (asset.type.startsWith("text/html")) {
      headers["content-security-policy"] = CSP;
      headers["x-frame-options"] = "DENY";
      headers["referrer-policy"] = "no-referrer";
    }
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers["content-length"] = asset.body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : asset.body);
  }

  /** An absolute path inside the assets directory, or null for anything else (.., encoded slashes, NUL, dotfiles). */
  private resolve(name: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return null;
    }
    if (decoded === "" || decoded.includes("\0") || decoded.includes("\\")) return null;
    if (decoded.split("/").some((part) => part === "" || part.startsWith("."))) return null;
    if (!Object.hasOwn(TYPES, extname(decoded))) return null;
    const file = resolve(this.dir, decoded);
    const inside = relative(this.dir, file);
    if (inside.startsWith("..") || inside.startsWith(sep)) return null;
    return file;
  }

  private load(file: string): Promise<Asset | null> {
    let pending = this.cache.get(file);
    if (!pending) {
      pending = readFile(file).then(
        (body) => ({
          body,
          type: TYPES[extname(file)]!,
          etag: `"${createHash("sha1").update(body).digest("base64url").slice(0, 20)}"`,
        }),
        () => null,
      );
      // A missing file is not cached: the build may put it there later.
      pending.then((asset) => asset ?? this.cache.delete(file));
      this.cache.set(file, pending);
    }
    return pending;
  }
}
