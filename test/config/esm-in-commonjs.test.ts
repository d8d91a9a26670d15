/**
 * `export default` in corral.config.ts (or .js) inside a package whose package.json
 * says "type": "commonjs", as `npm init -y` writes since npm 11: node reads the
 * file as CommonJS and failed with "Unexpected token 'export'". corral loads it
 * as the ES module it is, and leaves no copy behind.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test, type TestContext } from "node:test";
import { fixture, request, startCorral, tempTree } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";

function commonJsProject(configName: string, config: string): string {
  return tempTree({
    "package.json": JSON.stringify({ name: "shop", version: "1.0.0", type: "commonjs" }),
    "server.js": readFileSync(fixture("hello.cjs"), "utf8"),
    [configName]: config,
  });
}

async function servesFrom(dir: string, name: string, node?: string): Promise<void> {
  const before = readdirSync(dir).sort();
  const corral = startCorral(["start", "--name", name], { cwd: dir, ...(node ? { node } : {}) });
  const port = await corral.ready(1, 30_000);
  assert.equal((await request(port, "/")).status, 200);
  assert.doesNotMatch(corral.output, /Unexpected token|Failed to load the ES module/);
  await corral.stop();
  assert.deepEqual(readdirSync(dir).sort(), before, "no copy of the config is left in the project");
}

test("corral.config.ts with export default in a CommonJS package loads on Node 24", async (t: TestContext) => {
  const node24 = requireTool(t, "node24");
  if (!node24) return;
  const dir = commonJsProject(
    "corral.config.ts",
    'import type { CorralOptions } from "corral";\nconst config: CorralOptions = { entry: "./server.js", workers: 1 };\nexport default config;\n',
  );
  await servesFrom(dir, "esm-ts-cjs", node24);
});

test("corral.config.js with export default in a CommonJS package loads", async () => {
  const dir = commonJsProject("corral.config.js", 'export default { entry: "./server.js", workers: 1 };\n');
  await servesFrom(dir, "esm-js-cjs");
});
