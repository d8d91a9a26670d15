// deploy/kubernetes/deployment.yaml and deploy/Dockerfile: the manifest's probes, ports and grace period
// agree with the corral command in it, and that very command, run here, answers the kubelet's probes
// without credentials, refuses the rest without the token, and drains within the grace period.
// (No kubectl or cluster here: the manifest is checked as YAML against what corral does.)
import assert from "node:assert/strict";
import { realpathSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
// js-yaml: a dependency of pm2 (a devDependency), untyped here; tests are not type-checked by `npm run build`.
import yaml from "js-yaml";
import { ROOT, fixture, gate, request, startCorral, tempDir, waitFor } from "../helpers/corral.js";
import { freePort } from "../helpers/daemons.js";

interface Probe {
  httpGet: { path: string; port: number | string };
}
interface Container {
  command: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  resources: { limits: { cpu: string; memory: string } };
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
}

const docs = yaml.loadAll(readFileSync(join(ROOT, "deploy/kubernetes/deployment.yaml"), "utf8")) as any[];
const deployment = docs.find((d) => d?.kind === "Deployment");
const service = docs.find((d) => d?.kind === "Service");
const pod = deployment.spec.template.spec as { terminationGracePeriodSeconds: number; containers: Container[] };
const container = pod.containers[0]!;

/** The value after `flag` in the container's command. */
function flag(name: string): string {
  const at = container.command.indexOf(name);
  assert.ok(at > 0 && at + 1 < container.command.length, `the command sets ${name}: ${container.command.join(" ")}`);
  return container.command[at + 1]!;
}

const seconds = (duration: string): number => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  assert.ok(match, `a corral duration: ${duration}`);
  return Number(match[1]) / (match[2] === "ms" ? 1000 : match[2] === "m" ? 1 / 60 : 1);
};

const adminPort = (): number => Number(flag("--admin").split(":").pop());
const portNumber = (port: number | string): number =>
  typeof port === "number" ? port : container.ports.find((p) => p.name === port)?.containerPort ?? NaN;
const envValue = (name: string): string | undefined => container.env.find((e) => e.name === name)?.value;

test("the manifest's probes, ports and grace period match the corral command in it", () => {
  assert.deepEqual(docs.map((d) => d.kind), ["Deployment", "Service"]);
  assert.deepEqual(container.command.slice(0, 3), ["node", "node_modules/corral/dist/cli/main.js", "start"], "node is PID 1, not npm");

  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  assert.equal(portNumber(container.readinessProbe.httpGet.port), adminPort(), "readiness probes corral's --admin port");
  assert.equal(portNumber(container.livenessProbe.httpGet.port), adminPort(), "liveness probes corral's --admin port");
  assert.equal(flag("--admin").split(":")[0], "0.0.0.0", "the kubelet probes the pod IP, not loopback");

  const token = container.env.find((e) => e.name === "CORRAL_ADMIN_TOKEN");
  assert.ok(token?.valueFrom?.secretKeyRef, "the admin token comes from a Secret");
  assert.ok(!container.command.includes("--admin-token"), "the token stays off the command line");

  const [sleep, preStopSeconds] = container.lifecycle.preStop.exec.command;
  assert.equal(sleep, "sleep");
  assert.ok(Number(preStopSeconds) > 0);
  assert.ok(
    pod.terminationGracePeriodSeconds > Number(preStopSeconds) + seconds(flag("--kill-timeout")),
    "the grace period (which includes preStop) outlasts the preStop sleep plus --kill-timeout",
  );
  assert.ok(container.resources.limits.cpu, "a CPU limit, from which corral sizes its workers");

  const appPort = Number(envValue("PORT"));
  assert.equal(portNumber("http"), appPort, "the http container port is the app's PORT");
  assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
  assert.deepEqual(service.spec.ports.map((p: { targetPort: string | number }) => portNumber(p.targetPort)), [appPort], "the Service exposes the app, not the admin port");
});

test("the Dockerfile runs corral as PID 1, as a non-root user, with the command the manifest extends", () => {
  const dockerfile = readFileSync(join(ROOT, "deploy/Dockerfile"), "utf8");
  const instruction = (name: string): string[] => dockerfile.split("\n").filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());
  assert.deepEqual(instruction("FROM"), ["node:20-slim"]);
  assert.ok(instruction("RUN").some((run) => run.includes("npm ci --omit=dev")));
  const [user] = instruction("USER");
  assert.ok(user && !["root", "0"].includes(user.split(":")[0]!), `a non-root USER: ${user}`);
  const [cmd] = instruction("CMD");
  const words = JSON.parse(cmd!) as string[]; // exec form: no shell in between
  assert.equal(words[0], "node");
  assert.deepEqual(container.command.slice(0, words.length), words, "the manifest's command starts with the image's CMD");
});

test("the manifest's command answers the probes without the token, guards the rest, and drains within the grace period", async () => {
  const dir = realpathSync(tempDir("corral-k8s-"));
  writeFileSync(join(dir, "server.js"), `require(${JSON.stringify(fixture("lb-app.cjs"))});\n`);
  const admin = await freePort();
  const token = "k8s-test-token-0123456789";
  // `node node_modules/corral/dist/cli/main.js` is this checkout's CLI, which startCorral runs.
  const args = container.command.slice(2).map((word) => (word === "0.0.0.0:9100" ? `0.0.0.0:${admin}` : word));
  assert.ok(args.includes(`0.0.0.0:${admin}`), "the admin port was templated");
  const env: Record<string, string> = {};
  for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
  const corral = startCorral(args, { cwd: dir, env: { ...env, PORT: "0", CORRAL_ADMIN_TOKEN: token, CORRAL_HOME: tempDir("corral-home-") } });
  const appPort = await corral.ready(1, 30_000);

  const probe = (path: string, headers: Record<string, string> = {}) => request(admin, path, { headers });
  // Every worker (one per usable CPU), so the drain below starts from a settled supervisor.
  await waitFor(async () => {
    const reply = await probe("/readyz");
    const body = JSON.parse(reply.body) as { ready: number; desired: number };
    return reply.status === 200 && body.ready === body.desired;
  }, `/readyz 200 with every worker ready\n${corral.output}`, 30_000);
  assert.equal((await probe("/healthz")).status, 200);
  assert.equal((await probe("/status")).status, 401, "without the token");
  assert.equal((await probe("/status", { authorization: `Bearer ${token}` })).status, 200);

  // In flight until /readyz has said 503 (3 s at most), then it must still be answered.
  const held = gate();
  const slow = request(appPort, `/slow?ms=3000&${held.query}`, { timeout: 30_000 });
  await corral.waitForOutput(/slow request started/);
  const signalledAt = Date.now();
  corral.signal("SIGTERM");
  await waitFor(async () => (await probe("/readyz")).status === 503, "/readyz 503 while draining", 10_000);
  held.open();
  assert.equal((await slow).status, 200, "the in-flight request finished");
  const { code } = await corral.exit(30_000);
  assert.equal(code, 0, corral.output);
  const preStop = Number(container.lifecycle.preStop.exec.command[1]);
  assert.ok((Date.now() - signalledAt) / 1000 + preStop < pod.terminationGracePeriodSeconds);
});
