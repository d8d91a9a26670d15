import http from "node:http";
import { worker } from "corral/worker";

// Stands in for your database client (pg, mysql2, ioredis…): ping() rejects when it cannot reach the server.
const database = { ping: async () => {} };

worker.healthCheck(async () => {
  await database.ping(); // a rejection is a failed check; --unhealthy-after of them in a row replace this worker
});

http.createServer((req, res) => res.end("ok\n")).listen(Number(process.env.PORT ?? 3000));
