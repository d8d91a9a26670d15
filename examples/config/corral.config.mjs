// corral.config.mjs: one app, or { apps: [...] } / an array (pick one with --name)
export default {
  entry: "./server.js",
  workers: "max",
  balance: "least-connections",
  killTimeout: "30s",
  maxMemory: "512M",
  admin: "127.0.0.1:9100",
  env: { NODE_ENV: "production" },
};
