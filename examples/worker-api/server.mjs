import http from "node:http";
import { worker } from "corral/worker";

// worker.id: the slot id, 1..N, stable across restarts; 0 when the app runs without corral (node server.mjs).
const server = http.createServer((req, res) => res.end(`hello from worker ${worker.id}\n`));
server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening ${server.address().port}`);
  worker.ready();                         // with --wait-ready (or process.send("ready"), as PM2 apps do)
});
worker.onShutdown(async () => {           // after the last in-flight request: close the database here
  console.log(`worker ${worker.id}: closing the database`);
});
