/**
 * What the supervisor prints, and where. Worker stdout/stderr lines and the
 * supervisor's own events go, in the configured --log-format, to the primary's
 * stdout/stderr, to the log files (--log-file, --error-file), to the ring
 * buffer behind `corral logs`, and to `corral logs -f` clients.
 *
 * Nothing outside the primary can make it wait or grow here: every destination
 * is a BoundedWriter (lines past --log-buffer are dropped and counted), worker
 * pipes are always read (a worker never blocks on a slow log reader), and no
 * listener on this path lets an exception out. The pieces live in src/logs/.
 */
import { createWriteStream, fstatSync } from "node:fs";
import type { ServerResponse } from "node:http";
import type { Readable, Writable } from "node:stream";
import type { LogFormat } from "../config/types.js";
import { BoundedWriter } from "../logs/bounded-writer.js";
import { LogFiles, type LogFile } from "../logs/files.js";
import { Followers } from "../logs/followers.js";
import { LineSplitter } from "../logs/line-splitter.js";
import { eventRecord, LineFormatter, type Level, type LogRecord, type StreamKind } from "../logs/record.js";
import { LogRing, type LogFilter } from "../logs/ring.js";

export type { Level };

export interface OutputOptions {
  readonly format: LogFormat;
  readonly timestamps: boolean;
  readonly name: string;
  readonly logFile: string | null;
  readonly errorFile: string | null;
  /** --log-buffer: unwritten characters held per destination. */
  readonly logBufferBytes: number;
  /** How messages name the options (as the user set them). */
  readonly sources: { readonly logFile: string; readonly errorFile: string; readonly logBuffer: string };
}

export interface ConsoleStreams {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Where one owner's lines are filed, per stream. */
type FileTargets = { readonly [K in StreamKind]: LogFile | null };

/** After the workers exit, how long to wait for the rest of their output (a grandchild may hold the pipe). */
const PIPE_END_TIMEOUT_MS = 2_000;

export class Output {
  private readonly formatter: LineFormatter;
  private readonly console: { readonly [K in StreamKind]: BoundedWriter };
  private readonly files: LogFiles;
  private supervisorFiles: FileTargets = { stdout: null, stderr: null };
  private readonly ring = new LogRing();
  private readonly followers = new Followers();
  private readonly openPipes = new Set<Promise<void>>();
  /** Set while reporting a failure of this path, so a failing report cannot recurse. */
  private reporting = false;

  constructor(
    private readonly options: OutputOptions,
    streams: ConsoleStreams = consoleStreams(),
  ) {
    this.formatter = new LineFormatter(options);
    const bufferHint = `${options.sources.logBuffer} ${options.logBufferBytes}`;
    const consoleWriter = (kind: StreamKind): BoundedWriter => {
      const writer = new BoundedWriter(options.logBufferBytes, {
        notice: (count) => this.formatter.format(eventRecord("warn", `${count} lines dropped: ${kind} did not keep up (${bufferHint} bytes)`)),
        failed: (error) => this.report(`${kind}: ${error.message}; its lines are dropped from now on (log files and corral logs still get them)`),
      });
      writer.attach(streams[kind]);
      return writer;
    };
    this.console = { stdout: consoleWriter("stdout"), stderr: consoleWriter("stderr") };
    this.files = new LogFiles(
      { logFile: options.logFile, errorFile: options.errorFile, name: options.name, limit: options.logBufferBytes, sources: options.sources },
      {
        notice: (count, path) => this.formatter.format(eventRecord("warn", `${count} lines dropped: ${path} did not keep up (${bufferHint} bytes)`)),
        failed: (path, error) => this.report(`log file ${path}: ${error.message}; its lines are dropped until it is reopened (SIGUSR2 or corral logs NAME --reopen)`),
      },
    );
  }

  /** Opens the log files; throws a usage error naming the option when one cannot be opened. */
  open(): void {
    this.files.open();
    const supervisor = { worker: null, pid: process.pid };
    this.supervisorFiles = { stdout: this.files.acquireFor("stdout", supervisor), stderr: this.files.acquireFor("stderr", supervisor) };
  }

  /** A supervisor event. */
  event(level: Level, message: string): void {
    this.guard(() => this.publish([eventRecord(level, message)], this.supervisorFiles));
  }

  /**
   * Reads a worker's stream to its end, a line at a time; `onLine` sees every line
   * (the supervisor keeps the last stderr lines to report a crash loop).
   */
  pipe(stream: Readable, kind: StreamKind, worker: { id: number; pid: number }, onLine?: (line: string) => void): void {
    const splitter = new LineSplitter();
    const file = this.guard(() => this.files.acquireFor(kind, { worker: worker.id, pid: worker.pid })) ?? null;
    const files: FileTargets = kind === "stdout" ? { stdout: file, stderr: null } : { stdout: null, stderr: file };
    const level: Level = kind === "stderr" ? "error" : "info";
    const deliver = (lines: string[]): void => {
      if (lines.length === 0) return;
      const time = Date.now();
      const records = lines.map((msg): LogRecord => ({ time, source: "worker", stream: kind, level, worker: worker.id, pid: worker.pid, msg }));
      if (onLine) for (const line of lines) onLine(line);
      this.publish(records, files);
    };
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    this.openPipes.add(ended);
    let done = false;
    const end = (): void => {
      if (done) return;
      done = true;
      this.guard(() => deliver(splitter.end()));
      if (file) this.guard(() => this.files.release(file));
      this.openPipes.delete(ended);
      finish();
    };
    stream.on("data", (chunk: Buffer | string) => {
      this.guard(() => deliver(splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)));
    });
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", () => {}); // a worker's pipe breaking is reported by its exit
  }

  /** Reopens the log files (logrotate's postrotate): returns the paths, and those that failed. */
  reopen(): { files: string[]; failed: Array<{ path: string; error: string }> } {
    const failed = this.files.reopen();
    const files = this.files.paths;
    for (const failure of failed) this.event("error", `cannot reopen log file ${failure.path}: ${failure.error}; still writing to the file it had open`);
    this.event("info", `reopened ${files.length - failed.length} of ${files.length} log file${files.length === 1 ? "" : "s"}`);
    return { files, failed };
  }

  /** Lines lost because stdout, stderr or a log file did not keep up, or failed. */
  get dropped(): number {
    return this.console.stdout.dropped + this.console.stderr.dropped + this.files.dropped;
  }

  /** The last `count` lines the supervisor saw (the ring buffer). */
  tail(count: number, filter: LogFilter): LogRecord[] {
    return this.ring.tail(count, filter);
  }

  /** Streams new lines to `res` as JSON lines; false when too many clients follow already. */
  follow(res: ServerResponse, filter: LogFilter): boolean {
    return this.followers.add(res, filter);
  }

  /** After the workers exited: takes the rest of their output, ends `-f` clients, closes the files. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.openPipes), new Promise((resolve) => (timer = setTimeout(resolve, PIPE_END_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.followers.closeAll();
    await this.files.close();
  }

  /** Resolves true once stdout and stderr have taken everything, false at the deadline (a stalled reader). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.console.stdout.buffered + this.console.stderr.buffered > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  private publish(records: readonly LogRecord[], files: FileTargets): void {
    for (const record of records) {
      this.ring.push(record);
      this.followers.push(record);
      const line = this.formatter.format(record);
      this.console[record.stream].add(line);
      files[record.stream]?.writer.add(line);
    }
    this.console.stdout.flush();
    this.console.stderr.flush();
    files.stdout?.writer.flush();
    if (files.stderr !== files.stdout) files.stderr?.writer.flush();
    this.followers.flush();
  }

  /** Runs a step of the log path; whatever it throws is reported, never let out of a stream listener. */
  private guard<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (error) {
      this.report(`log output failed: ${(error as Error)?.message ?? String(error)}`);
      return undefined;
    }
  }

  /** A warning about the log path itself, written wherever still works. */
  private report(message: string): void {
    if (this.reporting) return;
    this.reporting = true;
    try {
      this.publish([eventRecord("warn", message)], this.supervisorFiles);
    } catch {
      // nowhere left to say it
    } finally {
      this.reporting = false;
    }
  }
}

/**
 * The primary's stdout and stderr. Node writes pipes and sockets asynchronously (process.stdout is
 * a net.Socket there), but regular files synchronously, on the event loop: a file gets an
 * fs.WriteStream on the same fd instead, whose writes run in the thread pool. A terminal stays
 * process.stdout (node makes ttys blocking; a terminal is watched, not stalled).
 */
function consoleStreams(): ConsoleStreams {
  return { stdout: consoleStream(1, () => process.stdout), stderr: consoleStream(2, () => process.stderr) };
}

function consoleStream(fd: number, fallback: () => Writable): Writable {
  try {
    if (fstatSync(fd).isFile()) return createWriteStream("", { fd, autoClose: false });
  } catch {
    // no such fd: node's own stream copes with that
  }
  return fallback();
}
