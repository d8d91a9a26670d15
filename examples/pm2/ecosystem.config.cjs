// PM2's ecosystem file, unchanged: `corral start ecosystem.config.cjs --env production --name api`
// (and `--name worker`) runs each app as PM2 would, with corral's reload, recycling and health.
module.exports = {
  apps: [
    {
      name: "api",
      script: "./api.cjs",
      instances: 2,
      exec_mode: "cluster",
      env: { NODE_ENV: "development", GREETING: "hello" },
      env_production: { NODE_ENV: "production" },
      max_memory_restart: "300M",
      kill_timeout: 5000,
      listen_timeout: 8000,
      cron_restart: "0 3 * * *",
      merge_logs: true,
      vizion: false,
    },
    {
      name: "worker",
      script: "./worker.cjs",
      exec_mode: "fork",
      instances: 1,
      env_production: { NODE_ENV: "production" },
      restart_delay: 1000,
    },
  ],
};
