/**
 * GET /metrics: corral's own `corral_*` series and the app's prom-client
 * metrics summed over the workers, in Prometheus text format.
 *
 * Everything goes through a private prom-client Registry built per scrape
 * (never the global one, which belongs to whoever embeds corral), so escaping
 * and formatting are prom-client's and the output passes `promtool check metrics`.
 */
import promClient from "prom-client";
import { AppMetrics } from "./app-metrics.js";
import { corralFamilies, type Family } from "./corral-metrics.js";
import type { AdminSupervisor } from "./supervisor.js";

const { Registry } = promClient;

/** How long a scrape waits for the workers' app metrics (Prometheus' default scrape timeout is 10 s). */
const GATHER_TIMEOUT_MS = 1000;

/** A computed family in the shape prom-client's Registry formats. */
function asMetric(family: Family): promClient.Metric {
  const metric = { ...family, aggregator: "sum", get: async () => metric };
  return metric as unknown as promClient.Metric;
}

export class MetricsEndpoint {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly app = new AppMetrics();

  constructor(private readonly corral: AdminSupervisor) {}

  async render(): Promise<string> {
    // corral's own series describe the moment the app metrics are asked for: a worker that becomes
    // ready while they are gathered was not asked, and must not be counted ready in the same scrape
    // (a scrape that says "2 ready" must not carry 1 worker's gauges).
    // Its counters too: they are read from the live records, which a heartbeat arriving during the
    // gather would move past the snapshot's gauges (a scrape read 6 requests done and 1 in flight).
    const snapshot = this.corral.snapshot();
    const families = corralFamilies(snapshot, this.corral.slotTotals());
    const appRegistry = this.app.aggregate(await this.corral.gatherAppMetrics(GATHER_TIMEOUT_MS));
    const own = new Registry();
    for (const family of families) own.registerMetric(asMetric(family));
    return Registry.merge([own, appRegistry]).metrics();
  }
}
