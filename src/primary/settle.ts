/**
 * Waiting for slots to settle: start() and a scale-up resolve once each of their
 * slots has a ready worker or has errored (gave up on a crash loop), and fail if
 * all of them errored or corral began to shut down meanwhile. The wait listens to
 * the supervisor's own events, so it notices the change that settles it at once.
 */
import type { EventEmitter } from "node:events";
import { CorralError, allErrored } from "../errors.js";
import { activeSlots, isSettled, lastCrashOutput, type Slot } from "./slot.js";

/** The supervisor, as far as the wait needs it: its events and whether it is shutting down. */
export interface SettleSource extends EventEmitter {
  readonly shuttingDown: boolean;
  readonly hasServed: boolean;
}

/** Resolves when each of `slots` has a ready worker or has errored; rejects if all errored. `all` is every slot. */
export function untilSettled(supervisor: SettleSource, slots: readonly Slot[], all: ReadonlyMap<number, Slot>): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (supervisor.shuttingDown) {
        const errored = activeSlots(all).every((s) => s.state === "errored");
        return done(errored ? allErrored(lastCrashOutput(all), !supervisor.hasServed) : new CorralError("CORRAL_ERR_STOPPED", "corral stopped while starting"));
      }
      if (!slots.every(isSettled)) return;
      if (slots.every((s) => s.state === "errored")) return done(allErrored(lastCrashOutput(all), !supervisor.hasServed));
      done();
    };
    const done = (error?: Error): void => {
      supervisor.off("worker-ready", check).off("worker-errored", check).off("shutdown", check);
      if (error) reject(error);
      else resolve();
    };
    supervisor.on("worker-ready", check).on("worker-errored", check).on("shutdown", check);
    check();
  });
}
