import { Corral, isCorralError } from "corral";

const corral = new Corral({ entry: "./server.js", workers: "max", balance: "least-connections", killTimeout: "10s" });
corral.on("worker-ready", ({ id, pid, startMs }) => console.log(`worker ${id} (${pid}) up in ${startMs} ms`));
corral.on("worker-exit", ({ id, code, signal, expected }) => {
  if (!expected) console.error(`worker ${id} died: ${code ?? signal}`); // corral replaces it; alert your team here
});
corral.on("reload-failed", ({ reason }) => console.error(reason));

await corral.start();                       // resolves when every worker is ready
try {
  const { ms } = await corral.reload();     // rolling reload
  console.log(`reloaded in ${ms} ms`);
} catch (error) {
  if (!(isCorralError(error) && error.code === "CORRAL_ERR_NOT_READY")) throw error;
  console.error("the new version did not start; the old workers still serve");
}
await corral.scale(4);
console.log(corral.snapshot().workers);     // the same data as `corral status --json`
await corral.stop();                        // drains; nothing of corral's keeps the process alive afterwards
