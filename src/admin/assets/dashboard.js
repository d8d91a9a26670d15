// corral live dashboard: GET /status once (for the write permission header and a
// first paint), then GET /events (SSE) for a `snapshot` every second plus
// supervisor events. Rates and percentiles are computed here from the
// cumulative counters (see metrics.js). No framework, no build step.
import { setupActions, toast } from "./actions.js";
import { createCharts } from "./charts.js";
import { EVENT_KINDS, EventLog } from "./events.js";
import {
  RateTracker, fmtAddress, fmtBytes, fmtDuration, fmtInt, fmtMs, fmtPct, fmtRate, processKey, snapshotTime,
} from "./metrics.js";

const $ = (id) => document.getElementById(id);
/** Only touch the DOM when the text changes: keeps layout and selection stable. */
const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};
const STALE_MS = 5000;

const tracker = new RateTracker();
const actions = setupActions();
const eventLog = new EventLog($("event-log"), $("event-empty"));
let charts = null;
try {
  charts = createCharts({ throughputEl: $("chart-throughput"), latencyEl: $("chart-latency") });
  window.addEventListener("corral-themechange", () => charts.rebuild());
} catch (err) {
  console.error(err);
  document.querySelectorAll(".chart-empty").forEach((el) => (el.textContent = "Charts unavailable (uPlot did not load)"));
}

// ---- connection ----------------------------------------------------------------

let source = null;
let everConnected = false;
let lastSnapshotAt = 0;
let lastSnapshotT = 0;
let lastStartedAt = 0;
let retryMs = 1000;

function setConnection(state, text) {
  const el = $("connection-status");
  el.dataset.state = state;
  document.body.dataset.conn = state;
  setText(el, text);
}

/** Reads the write permission (and a first snapshot) from GET /status. */
async function fetchStatus() {
  try {
    const res = await fetch("/status", { headers: { accept: "application/json" }, cache: "no-store" });
    actions.setMode(res.headers.get("x-corral-write"));
    if (res.ok && !lastSnapshotAt) onSnapshot(await res.json());
  } catch {
    /* the event stream reports connectivity */
  }
}

function connect() {
  source?.close();
  source = new EventSource("/events");
  setConnection(everConnected ? "reconnecting" : "connecting", everConnected ? "Reconnecting…" : "Connecting…");
  source.addEventListener("open", () => {
    if (everConnected) fetchStatus(); // the supervisor may have restarted with other settings
    everConnected = true;
    retryMs = 1000;
    setConnection("live", "Live");
  });
  source.addEventListener("snapshot", (e) => {
    const snap = parse(e.data);
    if (snap) onSnapshot(snap);
  });
  for (const kind of EVENT_KINDS) {
    source.addEventListener(kind, (e) => {
      const data = parse(e.data);
      if (!data) return;
      const { text } = eventLog.add(kind, data);
      actions.onEvent(kind, text);
    });
  }
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (HTTP error or wrong content type): retry ourselves, with backoff.
      setConnection("disconnected", "Disconnected");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    } else {
      setConnection("reconnecting", "Reconnecting…");
    }
  });
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// A stream that is open but silent (proxy buffering, frozen primary) is not "live".
setInterval(() => {
  const el = $("connection-status");
  const silent = Date.now() - lastSnapshotAt > STALE_MS;
  if (el.dataset.state === "live" && silent) setConnection("stale", "No data");
  if (el.dataset.state === "stale" && !silent) setConnection("live", "Live");
}, 1000);

// ---- rendering -----------------------------------------------------------------

function onSnapshot(snap) {
  if (!snap || !Array.isArray(snap.workers)) return;
  const t = snapshotTime(snap);
  // /status and the first SSE snapshot may be the same moment; a restarted supervisor starts a new clock.
  if (snap.startedAt === lastStartedAt && t <= lastSnapshotT) return;
  lastSnapshotT = t;
  lastStartedAt = snap.startedAt;
  lastSnapshotAt = Date.now();
  const point = tracker.update(snap);
  if (charts && (point.reqRate != null || charts.points > 0)) {
    charts.push({ ...point, reqRate: point.reqRate ?? 0 });
    if (charts.points >= 2) document.querySelector(".charts").classList.add("has-data");
  }
  renderHeader(snap);
  renderTotals(snap, point);
  renderWorkers(snap, point.perWorker);
  renderLastHang(snap.diagnostics?.lastHang);
  actions.setDesired(snap.workersDesired);
}

function renderHeader(snap) {
  setText($("supervisor-name"), snap.name);
  document.title = `${snap.name} · corral`;
  const entry = snap.entry ? snap.entry.split(/[\\/]/).pop() : "";
  setText($("supervisor-meta"), [entry, `pid ${snap.pid}`, `corral ${snap.version}`, `node ${snap.node}`].filter(Boolean).join(" · "));
  const ready = $("ready-count");
  setText(ready, `${snap.workersReady}/${snap.workersDesired}`);
  ready.classList.toggle("short", snap.workersReady > 0 && snap.workersReady < snap.workersDesired);
  ready.classList.toggle("none", snap.workersReady === 0);
  setText($("balance"), snap.balance);
  setText($("uptime"), fmtDuration(snap.uptimeMs));
  const addrs = (snap.listening ?? []).map(fmtAddress);
  setText($("listening"), addrs.length ? addrs.join(", ") : "not listening yet");
  const banner = $("banner");
  const overload = snap.diagnostics?.overload;
  banner.hidden = !snap.shuttingDown && !overload;
  if (snap.shuttingDown) setText(banner, "Shutting down: workers are draining and no new connections are accepted.");
  else if (overload) setText(banner, `Overload: ${overload.replace(/^overload: /, "")}.`);
}

function renderTotals(snap, point) {
  const stats = snap.workers.map((w) => w.stats).filter(Boolean);
  const sum = (f) => stats.reduce((a, s) => a + f(s), 0);
  setText($("kpi-rps"), fmtRate(point.reqRate));
  setText($("kpi-rps-sub"), `${fmtInt(sum((s) => s.requests))} served`);
  setText($("kpi-p50"), fmtMs(point.p50));
  setText($("kpi-p99"), fmtMs(point.p99));
  setText($("kpi-cpu"), fmtPct(point.cpuPct));
  setText($("kpi-cpu-sub"), `workers · primary ${fmtPct(point.primaryCpuPct)}`);
  setText($("kpi-mem"), stats.length ? fmtBytes(sum((s) => s.rss)) : "—");
  setText($("kpi-mem-sub"), `workers · primary ${fmtBytes(snap.primaryRss)}`);
  setText($("kpi-conn"), stats.length ? fmtInt(sum((s) => s.connections)) : "—");
  const queue = snap.queued || snap.queueDropped ? ` · ${fmtInt(snap.queued)} queued · ${fmtInt(snap.queueDropped)} dropped` : "";
  setText($("kpi-conn-sub"), `${fmtInt(sum((s) => s.inflight))} in flight${queue}`);
}

const cards = new Map(); // slot id -> { el, refs }

function createCard(id) {
  const el = $("worker-template").content.firstElementChild.cloneNode(true);
  el.dataset.workerId = String(id);
  const q = (sel) => el.querySelector(sel);
  const refs = {
    name: q(".w-name"), badge: q(".badge"), pid: q(".w-pid"), uptime: q(".w-uptime"), restarts: q(".w-restarts"),
    also: q(".w-also"),
    cpuBar: q('[data-bar="cpu"]'), eluBar: q('[data-bar="elu"]'), f: {},
  };
  el.querySelectorAll("[data-f]").forEach((n) => (refs.f[n.dataset.f] = n));
  setText(refs.name, `Worker ${id}`);
  return { el, refs };
}

function badgeOf(w) {
  if (w.slotState === "errored") return "errored";
  if (w.slotState === "backoff") return "restarting";
  return w.state;
}

function setBar(bar, pct) {
  const v = pct == null || !Number.isFinite(pct) ? 0 : Math.max(0, Math.min(100, pct));
  bar.style.width = `${v}%`;
  bar.classList.toggle("hot", v >= 70 && v < 90);
  bar.classList.toggle("max", v >= 90);
}

function updateCard({ el, refs }, w, rate, others, leader) {
  const badge = badgeOf(w);
  const leads = w.pid > 0 && leader?.pid === w.pid; // worker.onLeader: the one worker running the leader's jobs
  el.dataset.leader = String(leads);
  setText(refs.name, leads ? `Worker ${w.id} · leader${leader.stopping ? " (stopping)" : ""}` : `Worker ${w.id}`);
  el.dataset.state = w.state;
  el.dataset.slotState = w.slotState;
  el.dataset.badge = badge;
  el.dataset.pid = String(w.pid);
  setText(refs.badge, badge);
  const alive = w.slotState === "running" && w.state !== "stopped";
  setText(refs.pid, w.pid ? `pid ${w.pid}` : "no process");
  setText(refs.uptime, alive ? `up ${fmtDuration(w.uptimeMs)}` : "down");
  setText(refs.restarts, w.restarts === 1 ? "1 restart" : `${w.restarts} restarts`);
  refs.restarts.classList.toggle("some", w.restarts > 0);
  // During a reload the slot's old process drains while its replacement starts.
  const older = (o) => (o.clusterId ?? 0) < (w.clusterId ?? 0);
  const notes = others.map((o) => `${older(o) ? "replacing" : "also"} pid ${o.pid} (${o.state})`);
  // worker.healthCheck(): failing now (the supervisor replaces it after --unhealthy-after, unless all fail).
  if (w.failedHealthChecks > 0) notes.unshift(`health check failing (${w.failedHealthChecks}): ${w.healthError ?? "no reason given"}`);
  refs.also.hidden = notes.length === 0;
  setText(refs.also, notes.join(", "));

  const s = alive ? w.stats : null;
  const cpu = rate?.cpuPct;
  setText(refs.f.cpu, s ? fmtPct(cpu) : "—");
  setText(refs.f.elu, s ? fmtPct(s.elu * 100) : "—");
  setBar(refs.cpuBar, s ? cpu : null);
  setBar(refs.eluBar, s ? s.elu * 100 : null);
  setText(refs.f.rss, s ? fmtBytes(s.rss) : "—");
  setText(refs.f.heap, s ? fmtBytes(s.heapUsed) : "—");
  setText(refs.f.lag, s ? fmtMs(s.lagMs) : "—");
  refs.f.lag.className = s && s.lagMs >= 200 ? "bad" : s && s.lagMs >= 50 ? "warn" : "";
  setText(refs.f.rps, s && rate ? fmtRate(rate.reqRate) : "—");
  setText(refs.f.conn, s ? fmtInt(s.connections) : "—");
  setText(refs.f.inflight, s ? fmtInt(s.inflight) : "—");
  refs.f.heap.title = s ? `heap used ${fmtBytes(s.heapUsed)} of ${fmtBytes(s.heapTotal)} allocated` : "";
}

/** One card per slot id; if a slot has two processes (reload), the card shows the newest one that is not leaving. */
function groupBySlot(list) {
  const slots = new Map();
  for (const w of list) slots.set(w.id, [...(slots.get(w.id) ?? []), w]);
  const leaving = (w) => w.state === "draining" || w.state === "stopped";
  return [...slots.entries()].sort((a, b) => a[0] - b[0]).map(([, procs]) => {
    procs.sort((a, b) => leaving(a) - leaving(b) || (b.clusterId ?? 0) - (a.clusterId ?? 0));
    return { current: procs[0], others: procs.slice(1) };
  });
}

function renderWorkers(snap, rates) {
  const box = $("workers");
  const slots = groupBySlot(snap.workers);
  const workers = slots.map((s) => s.current);
  const seen = new Set();
  slots.forEach(({ current: w, others }, i) => {
    seen.add(w.id);
    let card = cards.get(w.id);
    if (!card) cards.set(w.id, (card = createCard(w.id)));
    if (box.children[i] !== card.el) box.insertBefore(card.el, box.children[i] ?? null);
    updateCard(card, w, rates.get(processKey(w)), others, snap.leader);
  });
  for (const [id, card] of cards) {
    if (!seen.has(id)) {
      card.el.remove();
      cards.delete(id);
    }
  }
  const count = (b) => workers.filter((w) => badgeOf(w) === b).length;
  const parts = [`${snap.workersDesired} desired`];
  for (const b of ["starting", "draining", "restarting", "errored"]) if (count(b)) parts.push(`${count(b)} ${b}`);
  setText($("workers-hint"), parts.join(" · "));
}

/** The stack the last hung worker showed before it was killed (src/primary/diagnostics/hang-stack.ts). */
function renderLastHang(hang) {
  $("hang-card").hidden = !hang;
  if (!hang) return;
  setText($("hang-hint"), `worker ${hang.id} (pid ${hang.pid}) · ${new Date(hang.at).toLocaleTimeString()}`);
  const lines = hang.stack ? hang.stack.map((frame) => `    at ${frame}`) : [hang.stackError ?? "no stack"];
  setText($("hang-stack"), `${hang.reason}\n${lines.join("\n")}`);
}

// ---- start ---------------------------------------------------------------------

window.addEventListener("unhandledrejection", (e) => toast(`Dashboard error: ${e.reason?.message ?? e.reason}`, "error"));
fetchStatus();
connect();
