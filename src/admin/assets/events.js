// The event log: turns supervisor events (CorralEvents in src/status.ts) into
// readable lines, newest first, capped at MAX_EVENTS.
import { fmtBytes, fmtClock, fmtDuration, fmtMs } from "./metrics.js";

export const EVENT_KINDS = [
  "worker-fork", "worker-ready", "worker-exit", "worker-restart", "worker-errored", "worker-hung",
  "worker-unhealthy", "worker-memory", "worker-recycled", "reload-start", "reload-done", "reload-failed", "scale", "shutdown",
];
const MAX_EVENTS = 200;
/** Why a reload ran, when the operator did not ask for it (ReloadCause in src/status.ts). */
const RELOAD_CAUSES = { cron: " by --restart-cron", watch: " by --watch (files changed)" };

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const who = (d) => `Worker ${d.id}` + (d.pid ? ` (pid ${d.pid})` : "");

/** Returns { level: "ok" | "info" | "warn" | "error", text, detail? } for one event. */
export function describeEvent(kind, d) {
  switch (kind) {
    case "worker-fork":
      return { level: "info", text: `${who(d)} forked` };
    case "worker-ready":
      return { level: "ok", text: `${who(d)} ready` + (d.startMs != null ? ` in ${fmtMs(d.startMs)}` : "") };
    case "worker-exit": {
      const how = d.signal ? `killed by ${d.signal}` : `exit code ${d.code ?? "?"}`;
      return d.expected
        ? { level: "info", text: `${who(d)} exited (${how})` }
        : { level: "error", text: `${who(d)} crashed: ${how}` };
    }
    case "worker-restart":
      return { level: "warn", text: `Restarting worker ${d.id} in ${fmtMs(d.delayMs)}` };
    case "worker-errored": {
      const lines = Array.isArray(d.lastStderr) ? d.lastStderr : [];
      return {
        level: "error",
        text: `Worker ${d.id} gave up after crashing repeatedly` + (lines.length ? "; the app's error:" : ""),
        detail: lines.join("\n"),
      };
    }
    case "worker-hung": {
      // Its JavaScript stack, taken over the inspector just before the kill (or why there is none).
      const stack = Array.isArray(d.stack) ? d.stack.map((frame) => `at ${frame}`).join("\n") : (d.stackError ?? "");
      const where = Array.isArray(d.stack) && d.stack[0] ? ` in ${d.stack[0]}` : "";
      return { level: "error", text: `${who(d)} hung${where}: no heartbeat for ${fmtMs(d.silentMs)}, killed`, detail: stack };
    }
    case "worker-unhealthy":
      return { level: "warn", text: `${who(d)} failed its health check ${plural(d.failedChecks, "time")} in a row; replacing it`, detail: d.error ?? "" };
    case "worker-memory":
      return { level: "warn", text: `${who(d)} uses ${fmtBytes(d.rss)}, over the ${fmtBytes(d.limit)} limit; replacing it` };
    case "worker-recycled":
      return {
        level: "info",
        text: d.reason === "max-age"
          ? `${who(d)} is ${fmtDuration(d.ageMs)} old (--max-age, its limit ${fmtDuration(d.limit)}); replacing it`
          : `${who(d)} served ${plural(d.requests, "request")} (--max-requests, its limit ${d.limit}); replacing it`,
      };
    case "reload-start":
      return { level: "info", text: `Rolling reload of ${plural(d.workers, "worker")} started` + (RELOAD_CAUSES[d.cause] ?? "") };
    case "reload-done":
      return { level: "ok", text: `Reload finished in ${fmtMs(d.ms)}` };
    case "reload-failed":
      return { level: "error", text: `Reload failed: ${d.reason}; old workers keep serving` };
    case "scale":
      return { level: "info", text: `Scaling from ${d.from} to ${plural(d.to, "worker")}` };
    case "shutdown":
      return { level: "warn", text: `Shutting down` + (d.reason ? ` (${d.reason})` : "") };
    default:
      return { level: "info", text: JSON.stringify(d) };
  }
}

export class EventLog {
  constructor(listEl, emptyEl) {
    this.list = listEl;
    this.empty = emptyEl;
  }

  add(kind, data) {
    const { level, text, detail } = describeEvent(kind, data);
    const li = document.createElement("li");
    li.dataset.kind = kind;
    li.dataset.level = level;
    li.className = "fresh";
    const time = Number.isFinite(data.time) ? data.time : Date.now();
    const cells = [
      ["ev-time", fmtClock(time)],
      ["ev-kind", kind],
      ["ev-msg", text],
    ].map(([cls, content]) => {
      const el = document.createElement(cls === "ev-time" ? "time" : "span");
      el.className = cls;
      el.textContent = content;
      return el;
    });
    cells[0].dateTime = new Date(time).toISOString();
    if (detail) {
      const pre = document.createElement("pre");
      pre.textContent = detail;
      cells[2].append(pre);
    }
    li.append(...cells);
    this.list.prepend(li);
    while (this.list.children.length > MAX_EVENTS) this.list.lastElementChild.remove();
    this.empty.hidden = true;
    return { level, text };
  }
}
