/**
 * `GET /logs?n=N&worker=ID&stderr=1&follow=1` on the control socket: the last N
 * lines of the supervisor's ring buffer as JSON lines (one LogRecord each), and
 * with follow=1 every new line after them until the client hangs up. A follower
 * that does not read is bounded by the primary (logs/followers.ts), never waited for.
 * `POST /logs/reopen` reopens the log files, as SIGUSR2 does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CorralError } from "../errors.js";
import { recordLine } from "../logs/followers.js";
import { RING_MAX_LINES, type LogFilter } from "../logs/ring.js";
import type { Corral } from "../primary/corral.js";
import { NDJSON } from "./client.js";

export const DEFAULT_TAIL_LINES = 50;

export interface LogQuery {
  readonly lines: number;
  readonly follow: boolean;
  readonly filter: LogFilter;
}

/** The query string of GET /logs; a bad value is a CORRAL_ERR_BAD_OPTION naming the parameter. */
export function parseLogQuery(search: URLSearchParams): LogQuery {
  const integer = (key: string, min: number, max: number): number | undefined => {
    const value = search.get(key);
    if (value === null) return undefined;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new CorralError("CORRAL_ERR_BAD_OPTION", `${key}: ${JSON.stringify(value)} is not valid; expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };
  const worker = integer("worker", 1, Number.MAX_SAFE_INTEGER);
  return {
    lines: integer("n", 0, RING_MAX_LINES) ?? DEFAULT_TAIL_LINES,
    follow: search.get("follow") === "1",
    filter: { ...(worker === undefined ? {} : { worker }), ...(search.get("stderr") === "1" ? { stderr: true } : {}) },
  };
}

export function serveLogs(corral: Corral, req: IncomingMessage, res: ServerResponse): void {
  const query = parseLogQuery(new URL(req.url ?? "/", "http://control.invalid").searchParams);
  res.writeHead(200, { "content-type": `${NDJSON}; charset=utf-8`, "cache-control": "no-store" });
  const tail = corral.logs.tail(query.lines, query.filter);
  if (tail.length > 0) res.write(tail.map(recordLine).join(""));
  if (!query.follow) return void res.end();
  if (!corral.logs.follow(res, query.filter)) {
    res.end(recordLine({ time: Date.now(), source: "corral", stream: "stderr", level: "error", worker: null, pid: null, msg: "too many corral logs -f clients; try again later" }));
  }
}
