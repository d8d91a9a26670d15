// A socket.io chat-style server with socket.io's defaults: each session starts with HTTP
// long-polling (a handshake, then separate GET and POST requests, each possibly on a new TCP
// connection) before it upgrades to WebSocket. Every one of those requests must reach the
// worker that holds the session, or socket.io answers 400 "Session ID unknown". corral's
// ip-hash (see corral.config.json) sends every connection from one client address to one
// worker, so the session works unchanged on every core, without a sticky proxy in front.
//
//   cd examples/socketio && npx corral start         # reads corral.config.json
//   open http://localhost:8000/                      # a page that connects and shows its worker
//
// Rooms and broadcasts would span only one worker's clients; socket.io's cluster adapter
// (npm install @socket.io/cluster-adapter) makes io.emit(), rooms, fetchSockets() and
// serverSideEmit() reach every worker. Its messages go through the primary, which corral
// relays itself: no setupPrimary() call and no Redis (a Redis adapter also spans hosts).
//
// On reload or shutdown a worker drains and waits for requests in flight; a long-poll stays in
// flight until socket.io answers it, so the app closes its sessions in a shutdown hook.
import http from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/cluster-adapter";
import { worker } from "corral/worker";

const PORT = Number(process.env.PORT ?? 8000);

const page = `<!doctype html><meta charset="utf-8"><title>socket.io on corral</title>
<script src="/socket.io/socket.io.js"></script>
<p id="out">connecting…</p>
<script>
  const socket = io();
  socket.on("connect", () => socket.emit("whoami", (me) => {
    out.textContent = "connected to worker " + me.worker + " (pid " + me.pid + ") over " + socket.io.engine.transport.name;
  }));
</script>`;

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/html");
  res.end(page);
});

const io = new Server(server);
io.adapter(createAdapter());
// Which process answered each request (handshake and polls): visible in the browser's dev tools.
io.engine.on("headers", (headers) => {
  headers["x-served-by"] = String(process.pid);
});
io.on("connection", (socket) => {
  socket.on("whoami", (reply) => typeof reply === "function" && reply({ worker: worker.id, pid: process.pid, sid: socket.conn.id }));
  socket.on("echo", (message, reply) => typeof reply === "function" && reply(message));
  // To every client of every worker.
  socket.on("shout", (message) => io.emit("news", { message, from: worker.id }));
  socket.on("count", async (reply) => typeof reply === "function" && reply((await io.fetchSockets()).length));
});

server.listen(PORT, () => {
  console.log(`socket.io server listening ${server.address().port} (pid ${process.pid})`);
});

worker.onShutdown(() => new Promise((resolve) => io.close(() => resolve())));
