// Time-series charts (uPlot, loaded as the global `uPlot` by index.html).
// Holds the last WINDOW_S seconds of points and redraws on each snapshot.
import { fmtMs, fmtRate } from "./metrics.js";

export const WINDOW_S = 300;
/** A gap longer than this (s) between points is drawn as a break in the line. */
const GAP_S = 5;

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const pad2 = (n) => String(n).padStart(2, "0");
/** Clock labels for the x axis: HH:MM, or HH:MM:SS when ticks are less than a minute apart. */
const clockTicks = (u, splits, axisIdx, space, incr) =>
  splits.map((t) => {
    const d = new Date(t * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}` + (incr < 60 ? `:${pad2(d.getSeconds())}` : "");
  });
const timeWindow = (end) => [end - WINDOW_S, end];
/** Short tick labels: 3 significant digits, no trailing zeros (0, 2.5, 1k, 12k). */
export function shortNum(v) {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}
const shortMs = (v) => (v >= 1000 ? `${shortNum(v / 1000)} s` : `${shortNum(v)} ms`);

function axis(values, size, space) {
  return {
    space,
    stroke: css("--muted"),
    grid: { stroke: css("--grid"), width: 1 },
    ticks: { show: false },
    font: `11px ${css("--font-ui")}`,
    values,
    size,
    gap: 6,
  };
}

/** Legend value: the hovered point, or the latest one when the cursor is elsewhere. */
function legendValue(fmt) {
  return (u, v, si, idx) => {
    if (idx == null) {
      const col = u.data[si];
      for (let i = col.length - 1; i >= 0; i--) if (col[i] != null) return fmt(col[i]);
      return "—";
    }
    return v == null ? "—" : fmt(v);
  };
}

function series(label, color, fmt, fill) {
  return {
    label,
    stroke: color,
    width: 2,
    fill: fill ? color + "26" : undefined,
    points: { show: false },
    spanGaps: false,
    value: legendValue(fmt),
  };
}

class Chart {
  constructor(el, spec) {
    this.el = el;
    this.spec = spec;
    this.data = spec.series.map(() => []);
    this.data.unshift([]);
    this.plot = null;
    this.build();
    new ResizeObserver(() => this.resize()).observe(el);
  }

  size() {
    const w = Math.max(200, this.el.clientWidth);
    return { width: w, height: 220 };
  }

  build() {
    this.plot?.destroy();
    const colors = this.spec.series.map((s) => css(s.color));
    const opts = {
      ...this.size(),
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      legend: { live: true, markers: { width: 0, fill: (u, si) => colors[si - 1] } },
      scales: {
        // A fixed window ending at the newest point: the line grows in from the right, then scrolls.
        x: { time: true, range: (u, min, max) => timeWindow(u.data[0].length ? max : Date.now() / 1000) },
        y: { range: (u, min, max) => [0, Math.max(max * 1.15, this.spec.minMax)] },
      },
      axes: [axis(clockTicks, 30, 70), axis(this.spec.tick, 56, 36)],
      series: [{ label: "", value: (u, v, si, idx) => (idx == null ? "now" : clockTicks(u, [v], 0, 0, 1)[0]) }]
        .concat(this.spec.series.map((s, i) => series(s.label, colors[i], this.spec.fmt, s.fill))),
    };
    this.plot = new uPlot(opts, this.data, this.el);
  }

  resize() {
    const s = this.size();
    if (this.plot && (s.width !== this.plot.width || s.height !== this.plot.height)) this.plot.setSize(s);
  }

  push(tSec, values) {
    const xs = this.data[0];
    if (xs.length && tSec <= xs[xs.length - 1]) return;
    if (xs.length && tSec - xs[xs.length - 1] > GAP_S) this.append(tSec - 0.001, values.map(() => null));
    this.append(tSec, values);
    while (xs.length && xs[0] < tSec - WINDOW_S) this.data.forEach((arr) => arr.shift());
    this.plot.setData(this.data);
  }

  append(t, values) {
    this.data[0].push(t);
    values.forEach((v, i) => this.data[i + 1].push(v));
  }

  get points() {
    return this.data[0].length;
  }
}

export function createCharts({ throughputEl, latencyEl }) {
  const throughput = new Chart(throughputEl, {
    fmt: fmtRate,
    tick: (u, vals) => vals.map(shortNum),
    minMax: 1,
    series: [{ label: "requests/s", color: "--accent", fill: true }],
  });
  const latency = new Chart(latencyEl, {
    fmt: fmtMs,
    tick: (u, vals) => vals.map(shortMs),
    minMax: 1,
    series: [
      { label: "p50", color: "--chart-p50" },
      { label: "p99", color: "--chart-p99" },
    ],
  });
  return {
    push(point) {
      const t = point.t / 1000;
      throughput.push(t, [point.reqRate]);
      latency.push(t, [point.p50, point.p99]);
    },
    /** Re-reads colours from CSS after a theme change. */
    rebuild() {
      throughput.build();
      latency.build();
    },
    get points() {
      return throughput.points;
    },
  };
}
