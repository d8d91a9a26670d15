// A second `node --test` reporter for scripts/run-tests.mjs: after the run, the slowest test files
// (the sum of their top-level tests' durations), so "where does the suite's time go" is in every log.
// The spec reporter names tests, not files; with files run one at a time, a file's time adds
// straight to the suite's, and that is what the project's 10-minute budget is about.
const SHOWN = 15;

export default async function* fileTimes(source) {
  const byFile = new Map();
  for await (const event of source) {
    if ((event.type !== "test:pass" && event.type !== "test:fail") || event.data.nesting !== 0) continue;
    const file = event.data.file ?? "(unknown file)";
    byFile.set(file, (byFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
  }
  if (byFile.size === 0) return;
  const root = process.cwd() + "/";
  const total = [...byFile.values()].reduce((sum, ms) => sum + ms, 0);
  const slowest = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  yield `\nslowest test files (sum of their tests; ${byFile.size} files, ${(total / 1000).toFixed(1)} s in tests):\n`;
  for (const [file, ms] of slowest) {
    yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${file.startsWith(root) ? file.slice(root.length) : file}\n`;
  }
}
