/**
 * What the supervisor prints: worker stdout/stderr passed through line by line
 * (prefixed with the worker's slot id and pid, raw, or as JSON lines for log
 * collectors) and the supervisor's own events in the same stream.
 */
import type { Readable } from "node:stream";
import type { LogFormat } from "../config/types.js";

export type Level = "info" | "warn" | "error";

export interface Sink {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processSink: Sink = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export class Output {
  constructor(
    private readonly format: LogFormat,
    private readonly name: string,
    private readonly sink: Sink = processSink,
  ) {}

  /** A supervisor event. */
  event(level: Level, message: string): void {
    if (this.format === "json") {
      const line = JSON.stringify({ time: new Date().toISOString(), level, source: "corral", name: this.name, msg: message });
      this.write(level, line + "\n");
    } else {
      this.write(level, `[corral] ${message}\n`);
    }
  }

  /**
   * Pipes a worker's stream through, a line at a time; `onLine` sees every line
   * (the supervisor keeps the last stderr lines to report a crash loop).
   */
  pipe(stream: Readable, kind: "stdout" | "stderr", worker: { id: number; pid: number }, onLine?: (line: string) => void): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      if (lines.length > 0) this.writeLines(lines, kind, worker, onLine);
    });
    stream.on("end", () => {
      if (partial !== "") this.writeLines([partial], kind, worker, onLine);
      partial = "";
    });
  }

  private writeLines(lines: string[], kind: "stdout" | "stderr", worker: { id: number; pid: number }, onLine?: (line: string) => void): void {
    let out = "";
    for (const raw of lines) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      onLine?.(line);
      if (this.format === "json") {
        out += JSON.stringify({
          time: new Date().toISOString(), level: kind === "stderr" ? "error" : "info", source: "worker",
          name: this.name, worker: worker.id, pid: worker.pid, stream: kind, msg: line,
        }) + "\n";
      } else if (this.format === "prefix") {
        out += `[w${worker.id}:${worker.pid}] ${line}\n`;
      } else {
        out += line + "\n";
      }
    }
    if (kind === "stderr") this.sink.stderr(out);
    else this.sink.stdout(out);
  }

  private write(level: Level, text: string): void {
    if (level === "info") this.sink.stdout(text);
    else this.sink.stderr(text);
  }
}
