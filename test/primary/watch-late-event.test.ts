// watchForChanges: one save is one reload even when an event of it arrives after the reload began.
// The primary's event loop runs expired timers before it reads new fs events, so after a busy moment
// the debounce fires while events of the same save still wait; those used to make a second reload.
// Driven with a stand-in for the Corral (watch.ts uses its entry, log, reload and shuttingDown).
import assert from "node:assert/strict";
import { watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Corral } from "../../src/primary/corral.js";
import { watchForChanges } from "../../src/primary/watch.js";
import { tempTree, waitFor } from "../helpers/corral.js";

const DEBOUNCE_MS = 100;

test("an event of a save that arrives after its reload began makes no second reload", async () => {
  const root = tempTree({ "server.cjs": "", "a.txt": "one", "b.txt": "one" });
  const triggers: string[] = [];
  const stand = {
    options: { entry: join(root, "server.cjs") },
    shuttingDown: false,
    log: (_level: string, message: string) => {
      const match = /^--watch: (.*) changed; reloading$/.exec(message);
      if (match) triggers.push(match[1]!);
    },
    reload: async () => {},
  };
  const watcher = watchForChanges(stand as unknown as Corral, DEBOUNCE_MS);
  after(() => watcher.close());

  // Once the first write's events were all read (corral's watcher has started the debounce; setImmediate
  // runs after the loop's poll phase), the save's last write comes and the event loop stays busy past
  // the debounce, so the timer fires (the reload begins) before that write's events are read.
  let busy = false;
  const probe = watch(root, () => {
    if (busy) return;
    busy = true;
    setImmediate(() => {
      writeFileSync(join(root, "a.txt"), "two, last write");
      const until = performance.now() + DEBOUNCE_MS * 3;
      while (performance.now() < until);
    });
  });
  after(() => probe.close());
  writeFileSync(join(root, "a.txt"), "two");
  await waitFor(() => triggers.length >= 1, "the save's reload", 5_000);

  // A later save, of another file, is a reload of its own that names only that file.
  writeFileSync(join(root, "b.txt"), "two");
  await waitFor(() => triggers.length >= 2 && triggers.at(-1)!.includes("b.txt"), `b.txt's reload (got ${JSON.stringify(triggers)})`, 5_000);
  assert.deepEqual(triggers, ["a.txt", "b.txt"]);
});
