// The HTTP app: answers with its instance number and environment.
const http = require("node:http");
const server = http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ pid: process.pid, instance: process.env.NODE_APP_INSTANCE, env: process.env.NODE_ENV, greeting: process.env.GREETING }));
});
server.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening ${server.address().port}`));
