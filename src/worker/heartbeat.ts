/**
 * Heartbeats: the worker's vital signs, sent every interval. The primary treats
 * silence longer than --hang-timeout as a hung worker, so the timer must be the
 * thing a blocked event loop stops: a plain interval on this thread.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";
import type { WorkerStats } from "../protocol.js";
import { sendToPrimary } from "./channel.js";

export interface HeartbeatSources {
  connections(): number;
  inflight(): number;
  requests(): number;
  latencyCounts(): number[];
  latencySumMs(): number;
}

export function startHeartbeat(intervalMs: number, sources: HeartbeatSources): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  const collect = (): WorkerStats => {
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    // max is in ns; before the first sample it is 0.
    const lagMs = Math.max(0, delay.max / 1e6 - 10);
    delay.reset();
    return {
      lagMs: Number.isFinite(lagMs) ? lagMs : 0,
      elu: Number.isFinite(elu.utilization) ? elu.utilization : 0,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      connections: sources.connections(),
      inflight: sources.inflight(),
      requests: sources.requests(),
      latencyCounts: sources.latencyCounts(),
      latencySumMs: sources.latencySumMs(),
    };
  };
  const beat = (): void => sendToPrimary({ act: "heartbeat", stats: collect() });
  setImmediate(beat);
  setInterval(beat, intervalMs).unref();
}
