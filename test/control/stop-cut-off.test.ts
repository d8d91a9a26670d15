// `corral stop` without a pid to watch (the supervisor is in another pid namespace) looks at the
// control socket until it is gone. A supervisor that is closing cuts those looks off: a reset while
// the reply is read, or EPIPE while the request is still being written (seen in CI, Node 22: the stop
// exited 1 with "write EPIPE" though the supervisor had stopped). Either means "look again".
// The supervisor here is a stand-in on a real unix socket: it answers the stop, then destroys the
// next connections at once (as a closing server does), then goes away.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { test } from "node:test";
import { controlPath } from "../helpers/control-socket.js";
import { runCli, tempDir } from "../helpers/corral.js";

test("corral stop takes a look cut off by the closing supervisor (EPIPE or a reset) as 'look again'", async (t) => {
  const home = tempDir("corral-cutoff-");
  const path = controlPath(home, "cutoff");
  let cutOff = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("data", (chunk) => {
      if (/^POST \/stop /.test(chunk.toString("latin1"))) {
        // Another pid namespace: the CLI cannot watch the pid and must look at the socket.
        const body = JSON.stringify({ ok: true, stopping: true, pid: 1, pidNamespace: "pid:[1]", killTimeoutMs: 5000 });
        socket.end(`HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
        return;
      }
    });
    if (sockets.size > 1) {
      // Every look after the stop: cut off before the request is read, then the socket goes.
      socket.destroy();
      if (++cutOff === 5) server.close(() => rmSync(path, { force: true }));
    }
  });
  t.after(() => {
    server.close();
    rmSync(path, { force: true });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));

  const stop = await runCli(["stop", "cutoff"], { env: { CORRAL_HOME: home }, timeoutMs: 15_000 });
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
  assert.equal(stop.stdout, "stopped cutoff\n");
  assert.equal(cutOff, 5, "the CLI looked again after each cut-off look until the socket was gone");
});
