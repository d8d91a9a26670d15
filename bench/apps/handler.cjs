// The request handler every contender serves (app.cjs for single process, PM2 and corral;
// cluster-recipe.cjs wraps it in the seed's node:cluster code). Plain node:http, so the
// figures show the cost of the process model, not of a framework.
//   GET /      "Hello World"                        (hello-world, connection-per-request, mixed)
//   GET /cpu   ~5 ms of synchronous CPU work         (CPU-bound)
//   GET /slow  ~50 ms of synchronous CPU work        (the rare slow request of the mixed workload)
// The work is a fixed amount (PBKDF2 iterations), not a fixed time: a descheduled worker does
// not finish early. CPU_ITERATIONS overrides the amount for /cpu (/slow does 10 times as much).
// Every response says which process answered (x-pid), so the runner can see every worker is up.
const crypto = require("node:crypto");

const CPU_ITERATIONS = Number(process.env.CPU_ITERATIONS) || 24_000;
const pid = String(process.pid);

function work(iterations) {
  return crypto.pbkdf2Sync("password", "salt", iterations, 32, "sha256");
}

function handler(req, res) {
  if (req.url === "/cpu") work(CPU_ITERATIONS);
  else if (req.url === "/slow") work(CPU_ITERATIONS * 10);
  res.writeHead(200, { "content-type": "text/plain", "content-length": "11", "x-pid": pid });
  res.end("Hello World");
}

module.exports = { handler, work, CPU_ITERATIONS };
