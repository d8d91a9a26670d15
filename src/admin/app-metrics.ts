/**
 * The app's own prom-client metrics, summed over every worker (histograms
 * merged bucket by bucket) with prom-client's AggregatorRegistry — the same
 * merge its cluster mode does, plus what a supervisor that replaces workers
 * needs on top:
 *
 * - What a worker sends is validated; garbage is dropped metric by metric.
 * - Names starting with `corral_` are corral's; an app metric there is dropped.
 * - Counters stay monotonic across worker exits. A plain sum drops when a
 *   worker exits (every reload!) and Prometheus reads that drop as a reset: the
 *   next rate() would count the whole remaining total as new. So the last
 *   figures of an exited worker's counters and histograms are kept and added
 *   in; its gauges leave with it.
 * - A live worker that did not answer in time contributes its previous reply,
 *   for the same reason.
 */
import promClient from "prom-client";
import type { AppMetricsRound } from "./supervisor.js";

const { AggregatorRegistry } = promClient;
type Registry = promClient.Registry;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface MetricJson {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary";
  aggregator: string;
  values: MetricValue[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary"]);
/** prom-client's aggregators (its `Aggregator` type); the merge throws on any other name. */
const AGGREGATORS = new Set(["sum", "first", "min", "max", "average", "omit"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function cleanValue(raw: unknown, name: string): MetricValue | null {
  if (!isObject(raw) || typeof raw.value !== "number") return null;
  const labels: Record<string, string | number> = {};
  if (raw.labels !== undefined) {
    if (!isObject(raw.labels)) return null;
    for (const [key, label] of Object.entries(raw.labels)) {
      // "__" names are reserved by Prometheus (and "__proto__" is not a label we want to set).
      if (!LABEL_NAME.test(key) || key.startsWith("__")) return null;
      if (typeof label !== "string" && typeof label !== "number") return null;
      labels[key] = label;
    }
  }
  const value: MetricValue = { value: raw.value, labels };
  if (raw.metricName !== undefined) {
    if (typeof raw.metricName !== "string" || !METRIC_NAME.test(raw.metricName) || !raw.metricName.startsWith(name)) return null;
    value.metricName = raw.metricName;
  }
  return value;
}

/** Keeps the well-formed metrics of one worker's reply, as fresh objects. */
export function sanitize(raw: unknown[]): MetricJson[] {
  const metrics: MetricJson[] = [];
  for (const item of raw) {
    if (!isObject(item) || typeof item.name !== "string" || !METRIC_NAME.test(item.name) || item.name.startsWith("corral_")) continue;
    if (typeof item.type !== "string" || !TYPES.has(item.type) || !Array.isArray(item.values)) continue;
    const aggregator = item.aggregator === undefined ? "sum" : item.aggregator;
    if (typeof aggregator !== "string" || !AGGREGATORS.has(aggregator)) continue;
    const values = item.values.map((v) => cleanValue(v, item.name as string));
    if (values.some((v) => v === null)) continue;
    metrics.push({
      name: item.name,
      help: typeof item.help === "string" ? item.help : item.name,
      type: item.type as MetricJson["type"],
      aggregator,
      values: values as MetricValue[],
    });
  }
  return metrics;
}

/** The parts of a metric that only grow over a process's life: counters, histograms, a summary's _sum and _count. */
function monotonicPart(metrics: MetricJson[]): MetricJson[] {
  const kept: MetricJson[] = [];
  for (const m of metrics) {
    if (m.type === "gauge") continue;
    const values = m.type === "summary" ? m.values.filter((v) => v.metricName?.endsWith("_sum") || v.metricName?.endsWith("_count")) : m.values;
    kept.push({ ...m, aggregator: "sum", values });
  }
  return kept;
}

/**
 * One type per name: during a reload old and new code may disagree, and the
 * merge would mix, say, a counter's and a histogram's values. The first set
 * (the newest worker) decides.
 */
function consistent(sets: MetricJson[][]): MetricJson[][] {
  const types = new Map<string, string>();
  for (const set of sets) for (const m of set) if (!types.has(m.name)) types.set(m.name, m.type);
  return sets.map((set) => set.filter((m) => types.get(m.name) === m.type));
}

export class AppMetrics {
  /** Each worker's latest well-formed reply, by its clusterId. */
  private readonly last = new Map<number, { forkedAt: number; metrics: MetricJson[] }>();
  /** Counters and histograms of workers that exited, summed. */
  private exited: MetricJson[] = [];

  /**
   * Merges this scrape's replies with what is remembered; returns a registry of the sums.
   * Synchronous on purpose: two scrapes interleaving around a fold could count an exited worker twice.
   */
  aggregate(round: AppMetricsRound): Registry {
    for (const reply of round.replies) this.last.set(reply.clusterId, { forkedAt: reply.forkedAt, metrics: sanitize(reply.metrics) });
    const gone = [...this.last.keys()].filter((clusterId) => !round.live.has(clusterId));
    if (gone.length > 0) {
      const sets = consistent([this.exited, ...gone.map((clusterId) => monotonicPart(this.last.get(clusterId)!.metrics))]);
      // The merged registry holds plain objects carrying the aggregated fields (and a get() we don't need).
      this.exited = (AggregatorRegistry.aggregate(sets).getMetricsAsArray() as unknown as MetricJson[]).map(
        ({ name, help, type, aggregator, values }) => ({ name, help, type, aggregator, values }),
      );
      for (const clusterId of gone) this.last.delete(clusterId);
    }
    const live = [...this.last.values()].sort((a, b) => b.forkedAt - a.forkedAt).map(({ metrics }) => metrics);
    return AggregatorRegistry.aggregate(consistent([...live, this.exited]));
  }
}
