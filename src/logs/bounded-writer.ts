/**
 * Writes lines to one destination (the primary's stdout or stderr, a log file,
 * a `corral logs -f` client) without ever waiting for it and without holding
 * more than `limit` unwritten characters for it. A destination that falls
 * behind loses lines instead of growing the primary: they are counted, and when
 * it has caught up (its buffer is down to half the limit) one notice line says
 * how many it missed. A destination that fails (EPIPE from a reader that went
 * away, EIO from a closed terminal, ENOSPC) is reported once and from then on
 * drops everything, until `attach()` gives it a new stream (a log file reopened).
 *
 * Lines are added to a batch and written with one write() per batch (one per
 * chunk a worker wrote), not one per line: a write is a syscall.
 */
import type { Writable } from "node:stream";

export interface WriterHooks {
  /** The notice line written once the destination catches up after `count` lines were dropped. */
  notice(count: number): string;
  /** The destination failed; called once per stream. */
  failed(error: Error): void;
}

export class BoundedWriter {
  private stream: Writable | null = null;
  private batch = "";
  private broken = false;
  /** Over the limit: drop until the buffer is down to half of it (so one slow read does not flap). */
  private dropping = false;
  private unreported = 0;
  /** Lines this destination has lost, ever. */
  dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly hooks: WriterHooks,
  ) {}

  /** Writes go to `stream` from now on; the previous stream, if any, is returned (not closed). */
  attach(stream: Writable): Writable | null {
    const previous = this.stream;
    this.flush();
    this.stream = stream;
    this.broken = false;
    stream.on("error", (error: Error) => {
      if (this.stream !== stream || this.broken) return;
      this.broken = true;
      this.batch = "";
      try {
        this.hooks.failed(error);
      } catch {
        // a report that fails must not turn a lost reader into a lost primary
      }
    });
    stream.on("drain", () => {
      if (this.stream !== stream) return;
      this.catchUp();
      this.flush();
    });
    return previous;
  }

  /** Stops writing (the batch is flushed first) and hands back the stream, for the caller to end. */
  detach(): Writable | null {
    this.flush();
    const stream = this.stream;
    this.stream = null;
    return stream;
  }

  get writable(): boolean {
    return this.stream !== null && !this.broken;
  }

  /** Characters written and not yet taken by the destination. */
  get buffered(): number {
    if (this.stream === null || this.broken || this.stream.destroyed) return 0;
    return this.stream.writableLength;
  }

  /** Queues one line (with its newline) for the next flush(), or drops it. */
  add(line: string): void {
    const stream = this.stream;
    if (stream === null || this.broken || stream.destroyed) return this.drop();
    const pending = stream.writableLength + this.batch.length;
    if (this.dropping) {
      if (pending > this.limit / 2) return this.drop();
      this.catchUp();
    }
    if (pending + line.length > this.limit) {
      this.dropping = true;
      return this.drop();
    }
    this.batch += line;
  }

  /** Writes the batch in one write(). */
  flush(): void {
    if (this.batch === "") return;
    const text = this.batch;
    this.batch = "";
    if (this.stream === null || this.broken || this.stream.destroyed) return;
    this.stream.write(text);
  }

  private drop(): void {
    this.dropped++;
    this.unreported++;
  }

  /** Back under half the limit: say what was lost, then take lines again. */
  private catchUp(): void {
    if (!this.dropping && this.unreported === 0) return;
    if (this.stream === null || this.stream.writableLength + this.batch.length > this.limit / 2) return;
    this.dropping = false;
    if (this.unreported > 0) {
      this.batch += this.hooks.notice(this.unreported);
      this.unreported = 0;
    }
  }
}
