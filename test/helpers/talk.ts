/**
 * A supervisor running test/fixtures/talk-app.mjs: each worker appends what it receives
 * (and its leader callbacks) to a JSON-lines file; a test makes worker N act with an
 * operator's message (`tell`), over the real control socket.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controlPath, controlRequest, controlStatus } from "./control-socket.js";
import { fixture, runCli, startCorral, tempDir, type CorralProcess } from "./corral.js";
import type { SupervisorSnapshot } from "../../src/status.js";

export interface Note {
  pid: number;
  id: number;
  t: number;
  ev: string;
  [key: string]: unknown;
}

export interface TalkApp {
  corral: CorralProcess;
  name: string;
  port: number;
  env: Record<string, string>;
  socket: string;
  log: string;
  notes(): Note[];
  status(): Promise<SupervisorSnapshot>;
  /** POST /send: `data` under `topic` to every ready worker, or to worker `to`; the reply's JSON. */
  send(topic: string, data: unknown, to?: number): Promise<any>;
  /** Makes worker `id` do `action` (see the fixture's "do" handler). */
  tell(id: number, action: Record<string, unknown>): Promise<void>;
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

let counter = 0;

export async function startTalkApp(workers: number, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<TalkApp> {
  const dir = tempDir("corral-talk-");
  const name = `talk-${process.pid}-${++counter}`;
  const log = join(dir, "notes.jsonl");
  writeFileSync(log, "");
  const env = { CORRAL_HOME: join(dir, "home"), TALK_LOG: log, ...extraEnv };
  const corral = startCorral(["start", fixture("talk-app.mjs"), "--name", name, "--workers", String(workers), ...args], { env });
  const port = await corral.ready(workers, 30_000);
  const socket = controlPath(env.CORRAL_HOME, name);
  const send = async (topic: string, data: unknown, to?: number): Promise<any> => {
    const reply = await controlRequest(socket, "POST", "/send", JSON.stringify({ topic, data, ...(to === undefined ? {} : { worker: to }) }));
    if (reply.status !== 200) throw new Error(`POST /send: HTTP ${reply.status} ${reply.body}`);
    return reply.json;
  };
  return {
    corral, name, port, env, socket, log,
    notes: () => readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Note),
    status: () => controlStatus(socket),
    send,
    tell: async (id, action) => void (await send("do", action, id)),
    cli: (cliArgs) => runCli(cliArgs, { env }),
  };
}
