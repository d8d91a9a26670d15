/**
 * The last lines the supervisor saw, for `corral logs NAME -n N`, kept whether
 * or not a log file is configured. Bounded by bytes as well as by lines: a few
 * 64 KiB lines must not hold more memory than thousands of short ones.
 */
import type { LogRecord } from "./record.js";

export const RING_MAX_LINES = 10_000;
export const RING_MAX_BYTES = 2 * 1024 * 1024;
/** What a record costs besides its text (the object, its fields), roughly. */
const RECORD_OVERHEAD = 96;

export interface LogFilter {
  /** Only this worker slot's lines (the supervisor's own lines are left out). */
  readonly worker?: number;
  /** Only stderr lines (the supervisor's warnings and errors included). */
  readonly stderr?: boolean;
}

export function matches(record: LogRecord, filter: LogFilter): boolean {
  if (filter.worker !== undefined && record.worker !== filter.worker) return false;
  if (filter.stderr && record.stream !== "stderr") return false;
  return true;
}

export class LogRing {
  /** Records from `head` on are live; the dead prefix is cut off now and then, not on every push. */
  private records: LogRecord[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxLines = RING_MAX_LINES,
    private readonly maxBytes = RING_MAX_BYTES,
  ) {}

  push(record: LogRecord): void {
    this.records.push(record);
    this.bytes += sizeOf(record);
    while (this.records.length - this.head > this.maxLines || (this.bytes > this.maxBytes && this.records.length - this.head > 1)) {
      this.bytes -= sizeOf(this.records[this.head]!);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /** The last `count` records that pass `filter`, oldest first. */
  tail(count: number, filter: LogFilter = {}): LogRecord[] {
    const found: LogRecord[] = [];
    for (let i = this.records.length - 1; i >= this.head && found.length < count; i--) {
      const record = this.records[i]!;
      if (matches(record, filter)) found.push(record);
    }
    return found.reverse();
  }
}

function sizeOf(record: LogRecord): number {
  return record.msg.length + RECORD_OVERHEAD;
}
