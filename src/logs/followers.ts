/**
 * `corral logs NAME -f` clients: each gets new lines as JSON lines on its
 * control-socket response. A client that reads slowly, or stops reading, costs
 * the primary at most FOLLOWER_BUFFER characters: past that its lines are
 * dropped and it is told how many once it reads again (bounded-writer.ts).
 * At most MAX_FOLLOWERS at once.
 */
import type { ServerResponse } from "node:http";
import { BoundedWriter } from "./bounded-writer.js";
import { eventRecord, type LogRecord } from "./record.js";
import { matches, type LogFilter } from "./ring.js";

export const MAX_FOLLOWERS = 32;
export const FOLLOWER_BUFFER = 512 * 1024;

interface Follower {
  readonly res: ServerResponse;
  readonly filter: LogFilter;
  readonly writer: BoundedWriter;
}

export function recordLine(record: LogRecord): string {
  return JSON.stringify(record) + "\n";
}

export class Followers {
  private readonly clients = new Set<Follower>();

  get count(): number {
    return this.clients.size;
  }

  /** Starts streaming to `res` (its headers already sent); false when MAX_FOLLOWERS are following. */
  add(res: ServerResponse, filter: LogFilter): boolean {
    if (this.clients.size >= MAX_FOLLOWERS) return false;
    const writer = new BoundedWriter(FOLLOWER_BUFFER, {
      notice: (count) => recordLine(eventRecord("warn", `${count} lines dropped: this corral logs -f client did not keep up`)),
      failed: () => remove(),
    });
    writer.attach(res);
    const follower: Follower = { res, filter, writer };
    const remove = (): void => void this.clients.delete(follower);
    res.once("close", remove);
    this.clients.add(follower);
    return true;
  }

  /** Queues `record` for every client that wants it; flush() sends the batch. */
  push(record: LogRecord): void {
    if (this.clients.size === 0) return;
    let line: string | null = null;
    for (const client of this.clients) {
      if (!matches(record, client.filter)) continue;
      line ??= recordLine(record);
      client.writer.add(line);
    }
  }

  flush(): void {
    for (const client of this.clients) client.writer.flush();
  }

  closeAll(): void {
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }
}
