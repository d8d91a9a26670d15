// examples/socketio runs as users run it (options from its corral.config.json: ip-hash).
// socket.io starts every session with HTTP long-polling, one TCP connection per request
// from Node's client: every request of a session must reach the worker holding it.
// Requests and the process that answered each (x-served-by) are observed through node's
// http client diagnostics channel; each session comes from its own loopback address.
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { io, type Socket } from "socket.io-client";
import { ROOT, startCorral } from "../helpers/corral.js";

const EXAMPLE = join(ROOT, "examples/socketio");

interface Seen { agent: http.Agent; status: number; servedBy: string }
const seen: Seen[] = [];
const onResponse = (message: unknown): void => {
  const { request, response } = message as { request: http.ClientRequest; response: http.IncomingMessage };
  const agent = (request as unknown as { agent?: http.Agent }).agent;
  if (agent) seen.push({ agent, status: response.statusCode ?? 0, servedBy: String(response.headers["x-served-by"] ?? "") });
};
diagnostics.subscribe("http.client.response.finish", onResponse);
after(() => diagnostics.unsubscribe("http.client.response.finish", onResponse));

interface Session { agent: http.Agent; socket: Socket }

/** A polling-only session from `localAddress`; its own agent tags its requests (no keep-alive: a connection per request). */
function session(port: number, localAddress: string): Session {
  const agent = new http.Agent({ keepAlive: false, localAddress } as http.AgentOptions);
  const socket = io(`http://127.0.0.1:${port}`, { transports: ["polling"], agent: agent as never, reconnection: false, timeout: 10_000 });
  return { agent, socket };
}

function connected(s: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    s.socket.once("connect", () => resolve());
    s.socket.once("connect_error", reject);
  });
}

const ask = <T>(s: Session, event: string, ...args: unknown[]): Promise<T> =>
  s.socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>;

/**
 * A session's long-poll is a request in flight until socket.io answers it, so a drain runs the example's
 * shutdown hook (io.close) at half of --kill-timeout: 5 s with the default. The tests are not about the
 * drain, so they give it a short one; the hook still closes the sessions.
 */
const KILL_TIMEOUT = ["--kill-timeout", "2s"];

test("socketio example behind ip-hash: every polling request of a session reaches one worker", async () => {
  const corral = startCorral(["start", "--workers", "2", ...KILL_TIMEOUT], { cwd: EXAMPLE, env: { PORT: "0" } });
  const port = await corral.ready(2);
  assert.match(corral.output, /\(ip-hash\)/, "the example's config picks ip-hash");

  const sessions = Array.from({ length: 8 }, (_, i) => session(port, `127.0.0.${20 + i}`));
  await Promise.all(sessions.map(connected));
  const pids = new Set<number>();
  for (const s of sessions) {
    const me = await ask<{ pid: number }>(s, "whoami");
    pids.add(me.pid);
    for (let i = 0; i < 5; i++) assert.equal(await ask(s, "echo", `message ${i}`), `message ${i}`);
    const responses = seen.filter((r) => r.agent === s.agent);
    assert.ok(responses.length >= 6, `a session made many requests: ${responses.length}`);
    assert.deepEqual(new Set(responses.map((r) => r.servedBy)), new Set([String(me.pid)]), "every request of the session went to its worker");
    assert.ok(responses.every((r) => r.status === 200));
  }
  assert.equal(pids.size, 2, "sessions from different addresses use both workers");

  for (const s of sessions) s.socket.disconnect();
  await corral.stop();
});

test("socketio example under round-robin: the session breaks (why it needs ip-hash)", async () => {
  const corral = startCorral(["start", "--workers", "2", "--balance", "round-robin", ...KILL_TIMEOUT], { cwd: EXAMPLE, env: { PORT: "0" } });
  const port = await corral.ready(2);
  const s = session(port, "127.0.0.50");
  const broke = await new Promise<string>((resolve) => {
    s.socket.once("connect_error", (error) => resolve(`connect_error: ${error.message}`));
    s.socket.once("disconnect", (reason) => resolve(`disconnect: ${reason}`));
    s.socket.once("connect", () => {
      // Connected by luck of timing: the next requests go to the other worker in turn.
      void (async () => {
        try {
          for (let i = 0; i < 10; i++) await ask(s, "echo", i);
          resolve("survived");
        } catch (error) {
          resolve(`ack failed: ${(error as Error).message}`);
        }
      })();
    });
  });
  const responses = seen.filter((r) => r.agent === s.agent);
  assert.notEqual(broke, "survived", "a polling session cannot survive round-robin");
  assert.ok(responses.some((r) => r.status === 400), `some request was refused: ${JSON.stringify(responses.map((r) => [r.status, r.servedBy]))}`);
  assert.ok(new Set(responses.map((r) => r.servedBy)).size === 2, "its requests reached both workers");
  s.socket.disconnect();
  await corral.stop();
});
