/**
 * The public typings: a TypeScript user's code (test/fixtures/typed-api.ts)
 * type-checks against the built declarations through the package's own
 * exports ("corral", "corral/worker"), and misuse is a type error.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { ROOT, fixture } from "../helpers/corral.js";

it("the API's types accept correct use and reject misuse", () => {
  // The config must sit inside the repository for "corral" to resolve to this package by self-reference.
  const config = join(ROOT, "test/fixtures/.tsconfig.typed-api.json");
  writeFileSync(config, JSON.stringify({
    compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
    files: [fixture("typed-api.ts")],
  }));
  let tsc;
  try {
    tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", config], { encoding: "utf8", timeout: 120_000 });
  } finally {
    rmSync(config, { force: true });
  }
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
