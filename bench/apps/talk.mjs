// The app of bench/messages.mjs: each worker answers the operator's "bench" orders
// (corral send) and appends what it measured, one JSON line, to $BENCH_OUT.
import fs from "node:fs";
import http from "node:http";
import { worker } from "corral/worker";

const OUT = process.env.BENCH_OUT;
const report = (record) => fs.appendFileSync(OUT, JSON.stringify({ id: worker.id, ...record }) + "\n");
const now = () => performance.timeOrigin + performance.now(); // the same clock in every process, sub-ms

let received = 0;
const latencies = [];
worker.on("load", () => received++);
worker.on("ping", (sentAt) => latencies.push(now() - sentAt));
worker.on("pong", () => pongs?.());
let pongs = null;
worker.on("ping-rtt", (_, from) => worker.send(from, "pong", null));

/** Sends as fast as the rate limit lets it for `ms`: bursts until CORRAL_ERR_MESSAGE_RATE, then a short wait. */
async function pump(ms, send) {
  const end = Date.now() + ms;
  let sent = 0;
  let limited = 0;
  while (Date.now() < end) {
    try {
      for (let i = 0; i < 200; i++) { send(sent); sent++; }
      await new Promise((resolve) => setImmediate(resolve));
    } catch (error) {
      if (error.code !== "CORRAL_ERR_MESSAGE_RATE") throw error;
      limited++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return { sent, limited };
}

worker.on("bench", async (order) => {
  switch (order.what) {
    case "reset":
      received = 0;
      latencies.length = 0;
      return report({ ev: "reset" });
    case "broadcast-load":
      return report({ ev: "sent", ...(await pump(order.ms, (i) => worker.broadcast("load", i))) });
    case "send-load": // to the next worker, in a ring
      return report({ ev: "sent", ...(await pump(order.ms, (i) => worker.send((worker.id % order.workers) + 1, "load", i))) });
    case "pings": {
      for (let i = 0; i < order.count; i++) {
        worker.broadcast("ping", now());
        await new Promise((resolve) => setTimeout(resolve, order.gapMs));
      }
      const rtts = [];
      for (let i = 0; i < order.count; i++) {
        const began = now();
        await new Promise((resolve) => {
          let left = order.workers - 1;
          pongs = () => { if (--left === 0) resolve(); };
          worker.broadcast("ping-rtt", null);
        });
        rtts.push(now() - began);
        await new Promise((resolve) => setTimeout(resolve, order.gapMs));
      }
      return report({ ev: "rtts", rtts });
    }
    case "report":
      return report({ ev: "counts", received, latencies });
  }
});

const server = http.createServer((req, res) => res.end("ok"));
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
