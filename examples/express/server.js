// The Express app of the node:cluster recipe (../shared/seed), without the cluster code:
// corral forks it on every core and hands each connection to a worker.
//
//   npm start                      # = corral start examples/express/server.js --admin 127.0.0.1:8001
//   curl http://localhost:8000/    # a different processId on each new connection
//   open http://127.0.0.1:8001/    # the live dashboard
const express = require("express");

const PORT = Number(process.env.PORT) || 8000;
const app = express();

app.get("/", (req, res) => {
  res.json({
    message: "Hello from Express server",
    processId: process.pid,
    worker: `Worker ${process.pid}`,
  });
});

app.listen(PORT, () => {
  console.log(`Server started on port ${PORT} - Process ${process.pid}`);
});
