/**
 * The supervisor's diagnostics of its workers: the stack of a hung worker
 * before it is killed (hang-stack.ts), the orders behind `corral profile`,
 * `report` and `heap-snapshot` (orders.ts) and what status shows of them, and
 * the inspectors `corral inspect` opened (inspect.ts).
 */
import type { DiagnosticsSnapshot, HangCapture } from "../../status.js";
import type { Level } from "../output.js";
import type { ManagedWorker } from "../managed-worker.js";
import { captureHangStack, formatFrame } from "./hang-stack.js";
import { DiagnosticOrders } from "./orders.js";

/**
 * How long a hung worker may take to show its stack. A spinning worker answers in
 * well under 300 ms; the kill waits no longer than this for one that does not.
 */
export const HANG_STACK_TIMEOUT_MS = 1_000;

/**
 * A hung worker's stack is read through its inspector, which any local user can reach while it is
 * open (loopback, no authentication): on a root worker, a hang would hand out root for that moment.
 */
export const ROOT_REFUSAL = "the worker runs as root, and its inspector would let any local user run code as root while it is open; run the workers with --user to get hung workers' stacks";

/** A worker's inspector opened by `corral inspect` (inspect.ts). */
export interface InspectorUrls {
  port: number;
  ws: string;
  devtools: string;
  /** Epoch ms when corral closes it unless `--close` comes first. */
  closesAt: number;
}

export class Diagnostics {
  readonly orders = new DiagnosticOrders();
  /** Workers whose inspector `corral inspect` opened, and when it closes. */
  readonly openInspectors = new WeakMap<ManagedWorker, InspectorUrls>();
  lastHang: HangCapture | null = null;
  /** Hung workers whose stack was captured, and those that showed none. */
  hangStacks = 0;
  hangStacksMissed = 0;
  /** Why every serving worker fails its health check at once (health-checks.ts), or null. */
  overload: string | null = null;

  constructor(
    private readonly log: (level: Level, message: string) => void,
    /** Workers run as root: their inspector is never opened, even for a second (any local user could run code as root). */
    private readonly rootWorkers: () => boolean = () => false,
  ) {}

  snapshot(): DiagnosticsSnapshot {
    return { lastHang: this.lastHang, hangStacks: this.hangStacks, hangStacksMissed: this.hangStacksMissed, overload: this.overload };
  }

  /** Logs when overload begins and ends (not on every heartbeat); true when it just ended. */
  noteOverload(reason: string | null): boolean {
    if (reason === this.overload) return false;
    const was = this.overload;
    this.overload = reason;
    if (reason !== null && was === null) this.log("error", reason);
    if (reason !== null || was === null) return false;
    this.log("info", "overload over: a worker passes its health check again");
    return true;
  }

  /** Takes and logs the stack of `worker`, judged hung for `reason`; never rejects, bounded by HANG_STACK_TIMEOUT_MS. */
  async captureHang(worker: ManagedWorker, reason: string): Promise<HangCapture> {
    const refusal = this.rootWorkers() ? ROOT_REFUSAL : null;
    const { frames, error } = await captureHangStack(worker.pid, worker.inspectorPort, HANG_STACK_TIMEOUT_MS, refusal);
    const stack = frames?.map(formatFrame) ?? null;
    const who = `worker ${worker.slotId} (pid ${worker.pid})`;
    if (stack) {
      this.hangStacks++;
      this.log("error", `${who} ${reason}; its JavaScript stack:`);
      for (const frame of stack) this.log("error", `    at ${frame}`);
    } else {
      this.hangStacksMissed++;
      this.log("error", `${who} ${reason}; ${error}`);
    }
    this.lastHang = { at: Date.now(), id: worker.slotId, pid: worker.pid, reason, stack, stackError: error };
    return this.lastHang;
  }
}
