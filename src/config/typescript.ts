/**
 * The one rule for "can this Node run TypeScript itself?", shared by config files (imported by
 * evaluate-child.ts, which gets this process's type flags) and worker entries (a new process, which
 * can still be given a flag).
 */
import { extname } from "node:path";

export const TYPESCRIPT_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts"];

export function isTypeScript(file: string): boolean {
  return TYPESCRIPT_EXTENSIONS.includes(extname(file));
}

/**
 * True when this Node strips types as it runs (on by default from 22.18 and 23.6, or turned on by
 * a flag): `process.features.typescript` is "strip" or "transform" then, false otherwise, and
 * missing before 22.10.
 */
export function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: string | false };
  return typeof features.typescript === "string";
}

/** True when a process of this Node can strip types given `--experimental-strip-types` (22.6 and later). */
export function nodeCanStripTypes(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 6);
}
