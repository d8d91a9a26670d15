// A WebSocket echo server (the `ws` package) on an ordinary http server. Nothing in it knows
// about corral: corral runs it on every core and, with least-connections (see corral.config.json),
// sends each new client to the worker holding the fewest open connections, so long-lived
// sockets stay evenly spread even when clients come and go at different rates.
//
//   cd examples/websocket && npx corral start        # reads corral.config.json
//   npx wscat -c ws://localhost:8000                 # greets with the worker's pid, echoes what you send
//
// On reload or shutdown a worker drains: it stops taking connections and waits for its open ones.
// WebSocket connections never end by themselves, so the app closes them in a shutdown hook
// (1001 "going away"); clients reconnect and land on a worker that is still running.
import http from "node:http";
import { WebSocketServer } from "ws";
import { worker } from "corral/worker";

const PORT = Number(process.env.PORT ?? 8000);

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/plain");
  res.end(`WebSocket echo server: connect with ws://${req.headers.host}/ (worker ${worker.id}, pid ${process.pid})\n`);
});

const wss = new WebSocketServer({ server });
wss.on("connection", (socket) => {
  socket.send(JSON.stringify({ type: "hello", worker: worker.id, pid: process.pid, clients: wss.clients.size }));
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on("error", () => socket.terminate());
});

server.listen(PORT, () => {
  console.log(`WebSocket echo server listening ${server.address().port} (pid ${process.pid})`);
});

worker.onShutdown(() => {
  for (const socket of wss.clients) socket.close(1001, "server restarting");
});
