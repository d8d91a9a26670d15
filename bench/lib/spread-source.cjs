// Preloaded into load-generator processes only: outgoing TCP connections to 127.0.0.1 take
// their source address in turn from 127.0.0.1 … 127.0.0.N (Linux routes all of 127/8 to lo),
// so the contenders see many client addresses, as a server on the internet does. It matters
// for ip-hash (one address = one worker) and is the same for every contender.
const net = require("node:net");

const count = Number(process.env.BENCH_SOURCE_ADDRESSES) || 64;
let next = 0;
const original = net.connect;

function connect(...args) {
  let options;
  // (port, host) — autocannon passes the port as the string from the URL.
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    options = { port: Number(args[0]), host: typeof args[1] === "string" ? args[1] : undefined };
  }
  else if (args[0] !== null && typeof args[0] === "object") options = { ...args[0] };
  else return original.apply(net, args);
  if ((options.host ?? "127.0.0.1") === "127.0.0.1" && options.localAddress === undefined) {
    options.localAddress = `127.0.0.${1 + (next++ % count)}`;
  }
  const rest = args.filter((a) => typeof a === "function");
  return original.call(net, options, ...rest);
}

net.connect = connect;
net.createConnection = connect;
