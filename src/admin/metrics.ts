/**
 * GET /metrics: corral's own `corral_*` series and the app's prom-client
 * metrics summed over the workers, in Prometheus text format.
 *
 * Everything goes through a private prom-client Registry built per scrape
 * (never the global one, which belongs to whoever embeds corral), so escaping
 * and formatting are prom-client's and the output passes `promtool check metrics`.
 */
import promClient from "prom-client";
import type { Corral } from "../primary/corral.js";
import { AppMetrics } from "./app-metrics.js";
import { corralFamilies, type Family } from "./corral-metrics.js";
import { MetricsGatherer } from "./gather.js";
import { SlotCounters } from "./slot-counters.js";

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
  private readonly counters = new SlotCounters();
  private readonly app = new AppMetrics();
  private readonly gatherer: MetricsGatherer;
  private readonly onFork = (): void => this.counters.observe(this.corral.liveWorkers());

  constructor(private readonly corral: Corral) {
    this.gatherer = new MetricsGatherer(corral, GATHER_TIMEOUT_MS);
    // Seeing every process from its fork means even one that dies between scrapes is counted.
    corral.on("worker-fork", this.onFork);
    this.onFork();
  }

  async render(): Promise<string> {
    // corral's own series describe the moment the app metrics are asked for: a worker that becomes
    // ready while they are gathered was not asked, and must not be counted ready in the same scrape
    // (a scrape that says "2 ready" must not carry 1 worker's gauges).
    // Its counters too: they are read from the live records, which a heartbeat arriving during the
    // gather would move past the snapshot's gauges (a scrape read 6 requests done and 1 in flight).
    const snapshot = this.corral.snapshot();
    this.counters.observe(this.corral.liveWorkers());
    const families = corralFamilies(snapshot, this.counters);
    const replies = await this.gatherer.gather();
    const appRegistry = this.app.aggregate(replies);
    const own = new Registry();
    for (const family of families) own.registerMetric(asMetric(family));
    return Registry.merge([own, appRegistry]).metrics();
  }

  close(): void {
    this.corral.off("worker-fork", this.onFork);
    this.gatherer.close();
  }
}
