/**
 * The app's own prom-client metrics, for the primary to aggregate across workers.
 *
 * We do not load prom-client ourselves (that could pick another copy than the
 * app's): we look for copies the app already loaded in the CommonJS module cache
 * (prom-client is CommonJS, also when imported from ESM) and ask each default
 * registry for its metrics as JSON — the same format prom-client's
 * AggregatorRegistry merges.
 */
import { createRequire } from "node:module";

interface PromRegistry {
  getMetricsAsJSON(): Promise<unknown[]> | unknown[];
}

export async function collectAppMetrics(): Promise<unknown[]> {
  const require = createRequire(import.meta.url);
  const cache = require.cache as Record<string, { exports?: { register?: PromRegistry } } | undefined>;
  const results: unknown[] = [];
  const seen = new Set<PromRegistry>();
  for (const [file, module] of Object.entries(cache)) {
    if (!/[\\/]prom-client[\\/]index\.js$/.test(file)) continue;
    const registry = module?.exports?.register;
    if (!registry || seen.has(registry) || typeof registry.getMetricsAsJSON !== "function") continue;
    seen.add(registry);
    try {
      results.push(...(await registry.getMetricsAsJSON()));
    } catch {
      // A broken collector in the app must not break the worker or /metrics.
    }
  }
  return results;
}
