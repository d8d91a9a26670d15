// Copies non-TypeScript assets (the dashboard page, uPlot) into dist/ after tsc.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/admin/assets");
mkdirSync(out, { recursive: true });
if (existsSync(join(root, "src/admin/assets"))) cpSync(join(root, "src/admin/assets"), out, { recursive: true });
// uPlot is vendored into the dashboard at build time so the page needs no CDN at run time.
try {
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve("uplot/package.json"));
  cpSync(join(uplotDir, "dist/uPlot.iife.min.js"), join(out, "uPlot.iife.min.js"));
  cpSync(join(uplotDir, "dist/uPlot.min.css"), join(out, "uPlot.min.css"));
} catch {
  // uPlot is a devDependency; a production install from the registry ships dist/ already built.
}
