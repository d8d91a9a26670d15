// The app-metrics merge on its own: validation of what workers send, sums, and counters that survive a worker's exit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AppMetrics, sanitize } from "../../src/admin/app-metrics.js";
import type { AppMetricsRound } from "../../src/primary/metrics-gather.js";

// A worker process as a round names it: its clusterId (here, its fork order too) and when it was forked.
const worker = (clusterId: number) => ({ clusterId, forkedAt: clusterId });
/** A round with these answers, in this order; `alive` are the processes still running (by default the ones that answered). */
const round = (answers: Array<[{ clusterId: number; forkedAt: number }, unknown[]]>, alive = answers.map(([w]) => w)): AppMetricsRound => ({
  replies: answers.map(([w, metrics]) => ({ ...w, metrics })),
  live: new Set(alive.map((w) => w.clusterId)),
});
const counter = (value: number, name = "hits_total") => ({ name, help: "h", type: "counter", aggregator: "sum", values: [{ value, labels: { route: "/" } }] });
const gauge = (value: number) => ({ name: "busy", help: "b", type: "gauge", aggregator: "sum", values: [{ value, labels: {} }] });

test("sanitize drops malformed metrics one by one and keeps the rest", () => {
  const good = counter(1);
  const kept = sanitize([
    good,
    null,
    "text",
    { ...good, name: "bad name" },
    { ...good, name: "corral_worker_up" },
    { ...good, type: "untyped" },
    { ...good, aggregator: "explode" },
    { ...good, values: [{ value: "1", labels: {} }] },
    { ...good, values: [{ value: 1, labels: { __proto__x: "a" } }] },
    { ...good, values: [{ value: 1, labels: { "bad-label": "a" } }] },
    { ...good, values: [{ value: 1, labels: { route: { nested: true } } }] },
    { ...good, values: [{ value: 1, labels: {}, metricName: "other_metric" }] },
    { ...good, name: "no_aggregator", aggregator: undefined },
  ]);
  assert.deepEqual(kept.map((m) => m.name), ["hits_total", "no_aggregator"]);
  assert.equal(kept[1]!.aggregator, "sum");
});

test("sums live workers; an exited worker's counters stay, its gauges leave", async () => {
  const metrics = new AppMetrics();
  const a = worker(1);
  const b = worker(2);
  let text = await metrics.aggregate(round([[a, [counter(3), gauge(1)]], [b, [counter(4), gauge(1)]]])).metrics();
  assert.match(text, /^hits_total\{route="\/"\} 7$/m);
  assert.match(text, /^busy 2$/m);

  // a exits.
  const c = worker(3);
  text = await metrics.aggregate(round([[b, [counter(5), gauge(1)]], [c, [counter(0), gauge(1)]]])).metrics();
  assert.match(text, /^hits_total\{route="\/"\} 8$/m, "3 from the exited worker + 5 + 0");
  assert.match(text, /^busy 2$/m);

  // b does not answer this time: its previous reply stands in, so nothing goes backwards.
  text = await metrics.aggregate(round([[c, [counter(1), gauge(1)]]], [b, c])).metrics();
  assert.match(text, /^hits_total\{route="\/"\} 9$/m);
});

test("when old and new code disagree on a metric's type, the newest worker's type wins", async () => {
  const metrics = new AppMetrics();
  const old = worker(1);
  const fresh = worker(2);
  const asGauge = { ...gauge(5), name: "hits_total" };
  const text = await metrics.aggregate(round([[old, [asGauge]], [fresh, [counter(2)]]])).metrics();
  assert.match(text, /# TYPE hits_total counter/);
  assert.match(text, /^hits_total\{route="\/"\} 2$/m);
});
