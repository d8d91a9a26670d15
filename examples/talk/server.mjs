import http from "node:http";
import { worker } from "corral/worker";

// A cache in each worker, emptied everywhere when one worker (or an operator) says so.
const cache = new Map();
worker.on("cache:clear", (key, from) => {
  cache.delete(key);
  console.log(`worker ${worker.id}: cleared ${key} (asked by ${from === 0 ? "corral send" : `worker ${from}`})`);
});

// A job that must run on one worker only: corral starts it on the leader, and stops it
// there (and waits) before another worker takes over, on reload, scale-down or shutdown.
let timer;
worker.onLeader(
  () => { timer = setInterval(() => console.log(`worker ${worker.id}: nightly job tick`), 60_000); },
  async () => { clearInterval(timer); },
);

const server = http.createServer((req, res) => {
  const key = new URL(req.url, "http://x").searchParams.get("clear");
  if (key) {
    cache.delete(key);
    worker.broadcast("cache:clear", key);  // every other ready worker; throws over 256 KB or 5,000/s
  }
  res.end(`worker ${worker.id}${worker.isLeader ? " (leader)" : ""}\n`);
});
server.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening ${server.address().port}`));
