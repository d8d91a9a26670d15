// The node:cluster recipe from the project's seed ("fork one worker per CPU, restart on exit"),
// serving the same handler as every other contender. Only changes from the seed: node:http
// instead of Express (same app for all), PORT and WORKERS from the environment.
const cluster = require("node:cluster");
const http = require("node:http");
const os = require("node:os");
const { handler } = require("./handler.cjs");

const totalCPUs = Number(process.env.WORKERS) || os.cpus().length;
const PORT = Number(process.env.PORT) || 8000;

if (cluster.isPrimary) {
  console.log(`Total CPUs: ${totalCPUs}`);
  console.log(`Primary process ${process.pid} is running`);
  for (let i = 0; i < totalCPUs; i++) cluster.fork();
  cluster.on("exit", (worker) => {
    console.log(`Worker ${worker.process.pid} died`);
    console.log("Starting a new worker");
    cluster.fork();
  });
} else {
  http.createServer(handler).listen(PORT, () => {
    console.log(`Server started on port ${PORT} - Process ${process.pid}`);
  });
}
