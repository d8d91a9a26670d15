/**
 * Heartbeats: the worker's vital signs, sent every interval. The primary treats
 * silence longer than --hang-timeout as a hung worker, so the timer must be the
 * thing a blocked event loop stops: a plain interval on this thread.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
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
  let last: WorkerStats | null = null;

  const collect = (): WorkerStats => {
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    const memory = sampleMemory(last);
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
  // A timer of ours that throws is an uncaught exception in the app's process: nothing may get out.
  const beat = (): void => {
    try {
      last = collect();
    } catch {
      // Keep the last figures: a missed sample must not look like a hang.
    }
    if (last === null) return;
    try {
      sendToPrimary({ act: "heartbeat", stats: last });
    } catch {
      // The channel is closing: the primary is gone, or going.
    }
  };
  setImmediate(beat);
  setInterval(beat, intervalMs).unref();
}

/**
 * rss, heapUsed, heapTotal. process.memoryUsage() (and memoryUsage.rss()) read /proc/self/stat,
 * which takes a file descriptor: at the fd limit (a busy server) they throw EMFILE. Then the heap
 * figures come from V8, which needs none, and rss stays what it was last time.
 */
function sampleMemory(last: WorkerStats | null): { rss: number; heapUsed: number; heapTotal: number } {
  try {
    return process.memoryUsage();
  } catch {
    const heap = getHeapStatistics();
    return { rss: last?.rss ?? 0, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size };
  }
}
