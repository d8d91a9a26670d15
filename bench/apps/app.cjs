// The app as single process, PM2 (-i N) and corral run it: an http server on $PORT.
const http = require("node:http");
const { handler } = require("./handler.cjs");

const port = Number(process.env.PORT) || 8000;
http.createServer(handler).listen(port, () => console.log(`listening ${port} (pid ${process.pid})`));
