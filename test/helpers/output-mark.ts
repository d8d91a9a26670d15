/**
 * "What has the supervisor printed since then?" Output arrives on two streams
 * (events on stdout, warnings on stderr), so a single offset into
 * `stdout + stderr` would skip new stdout lines as stderr grows: keep one per stream.
 */
import type { CorralProcess } from "./corral.js";

export interface OutputMark {
  readonly stdout: number;
  readonly stderr: number;
}

export function mark(corral: CorralProcess): OutputMark {
  return { stdout: corral.stdout.length, stderr: corral.stderr.length };
}

/** Everything printed on either stream after `from`. */
export function since(corral: CorralProcess, from: OutputMark): string {
  return `${corral.stdout.slice(from.stdout)}\n${corral.stderr.slice(from.stderr)}`;
}
