// For bench/log-output.mjs: GET /write?mb=N&rate=R writes N MB of 100-byte lines to stdout at R MB/s
// (a 64,000-byte block at a time), and answers "done" once the last one is in the pipe to the primary.
const http = require("node:http");
const LINE = `${"l".repeat(99)}\n`;
const BLOCK = LINE.repeat(640); // 64,000 bytes: 640 lines per write

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const total = Math.round((Number(url.searchParams.get("mb") ?? 10) * 1e6) / BLOCK.length);
  const perMs = (Number(url.searchParams.get("rate") ?? 5) * 1e6) / BLOCK.length / 1000;
  const began = Date.now();
  let written = 0;
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor((Date.now() - began) * perMs));
    for (; written < due; written++) process.stdout.write(BLOCK);
    if (written === total) {
      clearInterval(timer);
      process.stdout.write("", () => res.end("done"));
    }
  }, 5);
});
server.listen(Number(process.env.PORT || 0), () => console.log(`listening ${server.address().port}`));
