import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../src/config/file.js";
import { tempTree } from "../helpers/corral.js";
import { corralError } from "../helpers/errors.js";

/** A fresh directory holding `files` (name → contents). */
const project = (files: Record<string, string>): string => tempTree(files, "corral-file-");

describe("loadConfigFile: formats", () => {
  const single = { workers: 2, killTimeout: "20s" };
  const cases: Array<[string, string]> = [
    ["corral.config.json", JSON.stringify(single)],
    ["corral.config.mjs", `export default ${JSON.stringify(single)};`],
    ["corral.config.js", `export default async () => (${JSON.stringify(single)});`],
    ["corral.config.cjs", `module.exports = ${JSON.stringify(single)};`],
    [
      "corral.config.ts",
      `interface AppOptions { workers: number; killTimeout: string }\n` +
        `const app: AppOptions = { workers: 2, killTimeout: "20s" };\nexport default app;\n`,
    ],
  ];
  for (const [name, text] of cases) {
    it(`${name} gives one app with sources naming the file`, async () => {
      const dir = project({ [name]: text, "package.json": JSON.stringify({ type: "module" }) });
      const config = await loadConfigFile(name, dir);
      assert.ok(config);
      assert.equal(config.path, path.join(dir, name));
      assert.deepEqual(config.apps, [
        { options: single, sources: { workers: `${name}: workers`, killTimeout: `${name}: killTimeout` } },
      ]);
    });
  }
});

describe("loadConfigFile: TypeScript outside a \"type\": \"module\" package", () => {
  it("unwraps the CommonJS interop object tsx produces", async () => {
    const dir = project({ "corral.config.ts": "const workers: number = 5;\nexport default { workers };\n" });
    const config = await loadConfigFile(undefined, dir);
    assert.deepEqual(config?.apps[0]?.options, { workers: 5 });
  });
});

describe("loadConfigFile: lists of apps", () => {
  it("an array, with sources like [1].workers", async () => {
    const dir = project({ "corral.config.json": JSON.stringify([{ name: "a" }, { name: "b", workers: 1 }]) });
    const config = await loadConfigFile(undefined, dir);
    assert.deepEqual(config?.apps, [
      { options: { name: "a" }, sources: { name: "corral.config.json: [0].name" } },
      { options: { name: "b", workers: 1 }, sources: { name: "corral.config.json: [1].name", workers: "corral.config.json: [1].workers" } },
    ]);
  });

  it("{ apps: [...] } from a function returning a promise", async () => {
    const dir = project({ "corral.config.mjs": "export default () => Promise.resolve({ apps: [{ name: 'web' }, { name: 'api' }] });" });
    const config = await loadConfigFile(undefined, dir);
    assert.deepEqual(config?.apps.map((app) => app.options.name), ["web", "api"]);
    assert.equal(config?.apps[1]?.sources.name, "corral.config.mjs: apps[1].name");
  });

  it("relative entry and cwd are relative to the file (entry inside cwd)", async () => {
    const dir = project({
      "deploy/corral.config.json": JSON.stringify({ apps: [{ entry: "server.js" }, { entry: "main.js", cwd: "../srv" }] }),
    });
    const config = await loadConfigFile("deploy/corral.config.json", dir);
    assert.equal(config?.apps[0]?.options.entry, path.join(dir, "deploy", "server.js"));
    assert.equal(config?.apps[1]?.options.cwd, path.join(dir, "srv"));
    assert.equal(config?.apps[1]?.options.entry, path.join(dir, "srv", "main.js"));
  });
});

describe("loadConfigFile: discovery", () => {
  it("returns null when no config file exists", async () => {
    assert.equal(await loadConfigFile(undefined, project({})), null);
  });

  it("prefers .ts, then .mjs, .js, .json", async () => {
    const dir = project({
      "corral.config.json": JSON.stringify({ name: "json" }),
      "corral.config.mjs": "export default { name: 'mjs' };",
    });
    assert.equal((await loadConfigFile(undefined, dir))?.apps[0]?.options.name, "mjs");
  });
});

describe("loadConfigFile: errors", () => {
  it("bad JSON names the file and the parser's complaint", async () => {
    const dir = project({ "corral.config.json": '{ "workers": 2, }' });
    await assert.rejects(loadConfigFile(undefined, dir), corralError("CORRAL_ERR_BAD_CONFIG", /^config file corral\.config\.json: invalid JSON: .+/));
  });

  it("a missing explicit --config file", async () => {
    await assert.rejects(loadConfigFile("nope.json", project({})), corralError("CORRAL_ERR_BAD_CONFIG", "config file nope.json: not found"));
  });

  const shapes: Array<[string, string, string | RegExp]> = [
    ["a number", "42", "config file corral.config.json: must export one app's options (an object), a list of apps, or { apps: [...] }"],
    ["null", "null", /must export one app's options/],
    ["a non-object app", '[{"name":"a"}, "b"]', "config file corral.config.json: [1] must be an object of app options"],
    ["apps not a list", '{"apps": {"name": "a"}}', 'config file corral.config.json: "apps" must be a list of app options'],
    ["options beside apps", '{"apps": [], "workers": 2}', /put options inside each entry of "apps", not beside it: workers/],
    ["an empty list", "[]", "config file corral.config.json: lists no apps"],
  ];
  for (const [name, text, message] of shapes) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(loadConfigFile(undefined, project({ "corral.config.json": text })), corralError("CORRAL_ERR_BAD_CONFIG", message));
    });
  }

  it("an unknown key names the file, the app and the key", async () => {
    const dir = project({ "corral.config.json": JSON.stringify({ apps: [{ name: "a" }, { killTimout: "5s" }] }) });
    await assert.rejects(
      loadConfigFile(undefined, dir),
      corralError("CORRAL_ERR_BAD_OPTION", /^corral\.config\.json apps\[1\]: unknown option "killTimout" \(did you mean "killTimeout"\?\); known options: entry, workers/),
    );
  });

  it("a module without a default export", async () => {
    const dir = project({ "corral.config.mjs": "export const workers = 2;" });
    await assert.rejects(loadConfigFile(undefined, dir), corralError("CORRAL_ERR_BAD_CONFIG", /corral\.config\.mjs: has no default export/));
  });

  it("a module that throws while loading: its message and where it threw", async () => {
    const dir = project({ "corral.config.mjs": "const a = 1;\nthrow new Error('boom');" });
    await assert.rejects(loadConfigFile(undefined, dir), corralError("CORRAL_ERR_BAD_CONFIG", "config file corral.config.mjs: failed to load: boom (at corral.config.mjs:2:7)"));
  });

  it("an unsupported extension", async () => {
    const dir = project({ "corral.yaml": "workers: 2" });
    await assert.rejects(loadConfigFile("corral.yaml", dir), corralError("CORRAL_ERR_BAD_CONFIG", /config file corral\.yaml: cannot load \.yaml; use \.json, /));
  });
});
