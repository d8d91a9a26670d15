/**
 * `--log-file PATH` and `--error-file PATH`. The primary opens them (as its own
 * user: with --user only the workers drop privileges, so the files stay
 * writable) in append mode, and writes them through fs.WriteStream: the writes
 * run in libuv's thread pool, never on the event loop, and what a slow disk has
 * not taken yet is bounded like any other destination (bounded-writer.ts).
 *
 * In PATH, `%n` is the app's name, `%w` the worker's slot id and `%p` its pid
 * (`%%` a percent sign). With `%w` or `%p` every worker gets its own file,
 * opened when it forks and closed when its output ends; the supervisor's own
 * lines go to the file where `%w` is "corral" and `%p` the primary's pid.
 *
 * reopen() (SIGUSR2, `corral logs NAME --reopen`) opens every path afresh and
 * switches to it; the old stream finishes its queued writes into the renamed
 * file. A line is written to exactly one of the two, which is what logrotate's
 * postrotate needs to rotate without copytruncate.
 */
import { accessSync, constants, createWriteStream, openSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { CorralError } from "../errors.js";
import { BoundedWriter } from "./bounded-writer.js";
import type { StreamKind } from "./record.js";

const FILE_MODE = 0o640;
/** How long close() waits for a file's queued writes (a stuck disk must not hold up the exit). */
const CLOSE_TIMEOUT_MS = 5_000;

export interface LogFileOptions {
  readonly logFile: string | null;
  readonly errorFile: string | null;
  readonly name: string;
  /** --log-buffer: unwritten characters held per file. */
  readonly limit: number;
  /** How errors name the two options ("--log-file", "CORRAL_LOG_FILE", a config key). */
  readonly sources: { readonly logFile: string; readonly errorFile: string };
}

export interface LogFileHooks {
  notice(count: number, path: string): string;
  failed(path: string, error: Error): void;
}

export interface Owner {
  /** The worker's slot id and pid, or null for the supervisor's own lines. */
  readonly worker: number | null;
  readonly pid: number | null;
}

/** One open path: every owner whose PATH expands to it shares it. */
export interface LogFile {
  readonly path: string;
  readonly writer: BoundedWriter;
  refs: number;
}

const PLACEHOLDER = /%([nwp%])/g;

/** The path for one owner: %n, %w, %p and %% replaced. */
export function expandLogPath(template: string, name: string, owner: Owner): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    if (key === "n") return name;
    if (key === "w") return owner.worker === null ? "corral" : String(owner.worker);
    if (key === "p") return String(owner.pid ?? process.pid);
    return "%";
  });
}

/** A PATH with %w or %p: one file per worker. */
export function isPerWorker(template: string): boolean {
  return /%[wp]/.test(template.replace(/%%/g, ""));
}

export class LogFiles {
  private readonly files = new Map<string, LogFile>();
  /** Lines lost by files already closed (a worker's own file after it exited). */
  private droppedByClosed = 0;
  private readonly supervisor: Owner = { worker: null, pid: process.pid };

  constructor(
    private readonly options: LogFileOptions,
    private readonly hooks: LogFileHooks,
  ) {}

  get configured(): boolean {
    return this.options.logFile !== null || this.options.errorFile !== null;
  }

  /**
   * Opens the supervisor's files (and checks that per-worker ones can be created), before any worker
   * forks; a path that cannot be opened is a usage error naming the option.
   */
  open(): void {
    for (const [template, option] of [[this.options.logFile, this.options.sources.logFile], [this.options.errorFile, this.options.sources.errorFile]] as const) {
      if (template === null) continue;
      const path = expandLogPath(template, this.options.name, this.supervisor);
      try {
        if (isPerWorker(template)) accessSync(dirname(path), constants.W_OK);
        this.acquire(path);
      } catch (error) {
        throw new CorralError("CORRAL_ERR_BAD_OPTION", `${option}: cannot open ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** The file `owner`'s lines of `kind` go to (held until release()), or null when none is configured. */
  acquireFor(kind: StreamKind, owner: Owner): LogFile | null {
    const template = kind === "stderr" ? (this.options.errorFile ?? this.options.logFile) : this.options.logFile;
    if (template === null) return null;
    const path = expandLogPath(template, this.options.name, owner);
    try {
      return this.acquire(path);
    } catch (error) {
      // This worker's lines cannot be filed: say so once, count its lines as dropped.
      this.hooks.failed(path, error as Error);
      const file = this.files.get(path) ?? this.register(path, null);
      file.refs++;
      return file;
    }
  }

  release(file: LogFile): void {
    file.refs--;
    if (file.refs > 0) return;
    this.files.delete(file.path);
    this.droppedByClosed += file.writer.dropped;
    file.writer.detach()?.end();
  }

  /** Opens every path afresh (after logrotate renamed them); returns the ones that failed, with why. */
  reopen(): Array<{ path: string; error: string }> {
    const failures: Array<{ path: string; error: string }> = [];
    for (const file of this.files.values()) {
      try {
        const previous = file.writer.attach(openStream(file.path));
        previous?.end();
      } catch (error) {
        // The old stream (now writing the renamed file) stays: better there than lost.
        failures.push({ path: file.path, error: (error as Error).message });
      }
    }
    return failures;
  }

  get paths(): string[] {
    return [...this.files.keys()];
  }

  get dropped(): number {
    let total = this.droppedByClosed;
    for (const file of this.files.values()) total += file.writer.dropped;
    return total;
  }

  /** Ends every file; resolves when their queued writes are on disk, or after a deadline. */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    const streams: Writable[] = [];
    for (const file of this.files.values()) {
      this.droppedByClosed += file.writer.dropped;
      const stream = file.writer.detach();
      if (stream) streams.push(stream);
    }
    this.files.clear();
    await Promise.all(streams.map((stream) => endWithin(stream, timeoutMs)));
  }

  /** Opens `path` unless it is open already; throws when it cannot be opened. */
  private acquire(path: string): LogFile {
    const existing = this.files.get(path);
    if (existing) {
      existing.refs++;
      return existing;
    }
    const file = this.register(path, openStream(path));
    file.refs++;
    return file;
  }

  private register(path: string, stream: WriteStream | null): LogFile {
    const writer = new BoundedWriter(this.options.limit, {
      notice: (count) => this.hooks.notice(count, path),
      failed: (error) => this.hooks.failed(path, error),
    });
    if (stream) writer.attach(stream);
    const file: LogFile = { path, writer, refs: 0 };
    this.files.set(path, file);
    return file;
  }
}

/** Opened synchronously, so a bad path fails here and now; written asynchronously. */
function openStream(path: string): WriteStream {
  const fd = openSync(path, "a", FILE_MODE);
  return createWriteStream(path, { fd });
}

function endWithin(stream: Writable, timeoutMs: number): Promise<void> {
  // A file whose write failed (ENOSPC, EIO) was destroyed then: its 'close' is past and will not
  // come again, so waiting for it would hold up every exit by the whole deadline.
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    stream.once("close", done);
    stream.once("error", done);
    stream.end();
  });
}
