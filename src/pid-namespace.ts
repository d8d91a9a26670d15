/**
 * Which pid namespace this process lives in ("pid:[4026531836]"), so that a pid
 * one process reports is only read as a pid by another in the same namespace. A
 * corral running as PID 1 in a container reports pid 1; seen from the host (or
 * from another container sharing the control socket's folder) that pid is some
 * other process, often the host's init, which never exits. Null without procfs
 * (macOS, BSD), where there are no pid namespaces either.
 */
import { readlinkSync } from "node:fs";

export function pidNamespace(): string | null {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return null;
  }
}
