/**
 * One line of output as the primary keeps it: a worker's stdout or stderr line,
 * or one of the supervisor's own events. The ring buffer, `corral logs` and the
 * formatters all read this shape; `corral logs` receives it as JSON lines.
 */
import type { LogFormat } from "../config/types.js";

export type Level = "info" | "warn" | "error";
export type StreamKind = "stdout" | "stderr";

export interface LogRecord {
  /** ms since the epoch, when the primary received the line. */
  readonly time: number;
  readonly source: "worker" | "corral";
  readonly stream: StreamKind;
  readonly level: Level;
  /** Slot id and pid of the worker; null for the supervisor's own lines. */
  readonly worker: number | null;
  readonly pid: number | null;
  readonly msg: string;
}

/** Supervisor events: info goes to stdout, warnings and errors to stderr. */
export function eventRecord(level: Level, msg: string, time = Date.now()): LogRecord {
  return { time, source: "corral", stream: level === "info" ? "stdout" : "stderr", level, worker: null, pid: null, msg };
}

export interface FormatOptions {
  readonly format: LogFormat;
  /** Prefix each `prefix` line with an ISO-8601 time (json lines always carry one). */
  readonly timestamps: boolean;
  /** The supervisor's name, in json lines. */
  readonly name: string;
}

/**
 * Formats records as lines. Lines that arrive in one chunk share a time, so
 * the ISO string of the last time is kept instead of being rebuilt per line.
 */
export class LineFormatter {
  private isoTime = 0;
  private iso = "";

  constructor(readonly options: FormatOptions) {}

  /** The record as one output line, with its newline. */
  format(record: LogRecord): string {
    const { format, timestamps, name } = this.options;
    if (format === "json") {
      const time = this.isoOf(record.time);
      if (record.source === "corral") return JSON.stringify({ time, level: record.level, source: "corral", name, msg: record.msg }) + "\n";
      return JSON.stringify({
        time, level: record.level, source: "worker", name, worker: record.worker, pid: record.pid, stream: record.stream, msg: record.msg,
      }) + "\n";
    }
    const tag = record.source === "corral" ? "[corral] " : format === "prefix" ? `[w${record.worker}:${record.pid}] ` : "";
    const stamp = timestamps && format === "prefix" ? `${this.isoOf(record.time)} ` : "";
    return `${stamp}${tag}${record.msg}\n`;
  }

  private isoOf(time: number): string {
    if (time !== this.isoTime) {
      this.isoTime = time;
      this.iso = new Date(time).toISOString();
    }
    return this.iso;
  }
}
