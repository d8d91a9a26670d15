/**
 * Every program the README shows runs here as written: each is a file under
 * examples/ that the README includes verbatim (after an `<!-- example: PATH -->`
 * line), and each is run the way a reader would run it. The README's error
 * transcripts are compared with what corral prints.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, fixture, getJson, request, runCli, startCorral, tempTree, waitFor } from "../helpers/corral.js";
import { Daemon, freePort } from "../helpers/daemons.js";
import { usableCpus } from "../../src/config/cpus.js";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const example = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** A project folder where `corral` (and `corral/worker`) resolve to this package, as after npm install. */
function project(files: Record<string, string>, packageJson: object = { name: "my-app", private: true, type: "module" }): string {
  const dir = tempTree({ "package.json": JSON.stringify(packageJson), ...files });
  mkdirSync(join(dir, "node_modules/@types"), { recursive: true });
  symlinkSync(ROOT, join(dir, "node_modules/corral"), "dir");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  symlinkSync(join(ROOT, "node_modules/@types/node"), join(dir, "node_modules/@types/node"), "dir");
  return dir;
}

const ESM_SERVER = `import http from "node:http";
const server = http.createServer((req, res) => res.end("ok"));
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
`;

describe("README examples", () => {
  it("every program block is a file under examples/, included verbatim", () => {
    const blocks = [...README.matchAll(/(<!-- example: (\S+) -->\n)?```(js|mjs|cjs|ts|mts|typescript|javascript)\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 3, "the README has its program blocks");
    for (const [, marker, path, , body] of blocks) {
      assert.ok(marker, `a program block without an <!-- example: PATH --> line:\n${body}`);
      assert.equal(body, example(path!), `README's block for ${path} differs from the file`);
    }
  });

  it("the config file example starts the app it describes", async () => {
    const dir = tempTree({ "corral.config.mjs": example("examples/config/corral.config.mjs"), "server.js": readFileSync(fixture("env-echo.cjs"), "utf8") });
    // The one change: the admin port, so that the test never meets another server on 9100.
    const adminPort = await freePort();
    const corral = startCorral(["start", "--admin", `127.0.0.1:${adminPort}`], { cwd: dir });
    const port = await corral.ready(usableCpus(), 30_000);
    assert.equal((await getJson(port, "/?name=NODE_ENV")).value, "production");
    const status = await getJson(adminPort, "/status");
    assert.equal(status.balance, "least-connections");
    assert.equal(status.workersDesired, usableCpus());
    await corral.stop();
  });

  it("the Programmatic API example type-checks without the DOM lib, and runs", async () => {
    const dir = project({ "embed.ts": example("examples/api/embed.ts"), "server.js": ESM_SERVER });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2022"], types: ["node"], strict: true, noEmit: true, skipLibCheck: true },
      files: ["embed.ts"],
    }));
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 120_000 });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

    const run = new Daemon(process.execPath, ["--import", "tsx", "embed.ts"], dir, { ...process.env, CORRAL_HOME: join(dir, "home") });
    assert.equal(await run.exit(90_000), 0, run.output);
    assert.match(run.output, /worker 1 \(\d+\) up in \d+ ms/);
    assert.match(run.output, /reloaded in \d+ ms/);
    assert.doesNotMatch(run.output, /died:|ReferenceError/);
  });

  it("the worker API example answers with its slot id under corral, 0 without, and runs its shutdown hook", async () => {
    const dir = project({ "server.mjs": example("examples/worker-api/server.mjs") });
    const corral = startCorral(["start", "server.mjs", "--wait-ready", "--workers", "2", "--name", "worker-api"], { cwd: dir, env: { PORT: "0" } });
    const port = await corral.ready(2, 30_000);
    assert.match((await request(port, "/")).body, /^hello from worker [12]\n$/);
    await corral.stop();
    assert.match(corral.output, /worker [12]: closing the database/);

    const plain = new Daemon(process.execPath, ["server.mjs"], dir, { ...process.env, PORT: "0" });
    const listening = await waitFor(() => plain.output.match(/listening (\d+)/), `the app to listen\n${plain.output}`, 15_000);
    assert.equal((await request(Number(listening[1]), "/")).body, "hello from worker 0\n");
    plain.stop();
    await plain.exit();
  });

  it("the configuration section's error examples are what corral prints", async () => {
    const transcript = /\$ corral start app\.js --kill-timeout[\s\S]*?```/.exec(README)?.[0];
    assert.ok(transcript, "the transcript is in the README");
    const dir = tempTree({ "app.js": "" });
    const lines = transcript.replace(/```$/, "").trim().split("\n");
    for (let i = 0; i < lines.length; i += 2) {
      const [, envText, args] = /^\$ ((?:[A-Z_]+=\S+ )*)corral (.*)$/.exec(lines[i]!)!;
      const env = Object.fromEntries(envText!.trim().split(" ").filter(Boolean).map((pair) => pair.split("=") as [string, string]));
      const result = await runCli(args!.split(" "), { cwd: dir, env });
      assert.equal(result.code, 2);
      assert.equal(result.stderr, `${lines[i + 1]}\n`, `corral ${args}`);
    }
  });
});
