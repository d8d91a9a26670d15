// `corral top`: a live full-screen table in a real terminal (tmux), q quits and restores the terminal;
// without a terminal it prints one frame.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, test } from "node:test";
import { controlPath, controlStatus } from "../helpers/control-socket.js";
import { CLI, fixture, request, runCli, startCorral, waitFor } from "../helpers/corral.js";
import { requireTool } from "../helpers/tools.js";
import { Load } from "../helpers/load.js";

const TMUX_SOCKET = `corral-top-test-${process.pid}`;
let tmuxPath: string | null = null;

const tmux = (...args: string[]): string =>
  execFileSync(tmuxPath!, ["-L", TMUX_SOCKET, "-f", "/dev/null", ...args], { encoding: "utf8", timeout: 10_000 });

after(() => {
  // Only the tmux server this file started (its own socket name).
  if (tmuxPath) try { tmux("kill-server"); } catch { /* already gone */ }
});

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

test("corral top shows every worker live in a terminal and q restores it", async (t) => {
  tmuxPath = requireTool(t, "tmux");
  if (!tmuxPath) return;
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", "topview"]);
  const port = await corral.ready(2);
  const status = await controlStatus(controlPath(corral.home, "topview"));
  const pids = status.workers.map((w) => w.pid);

  // After top exits the shell reports its status and keeps the pane alive, so the terminal's state can be read.
  const top = `env CORRAL_HOME=${shellQuote(corral.home)} ${shellQuote(process.execPath)} ${shellQuote(CLI)} top topview`;
  tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "30", `${top}; echo "top exited $?"; sleep 60`);
  const screen = (): string => tmux("capture-pane", "-p", "-t", "top");
  const pane = (format: string): string => tmux("display-message", "-p", "-t", "top", format).trim();

  const first = await waitFor(() => {
    const text = screen();
    return pids.every((pid) => text.includes(String(pid))) ? text : null;
  }, "both worker pids on screen", 15_000, 100);
  assert.match(first, /corral top · topview/);
  assert.match(first, /workers 2\/2 ready/);
  assert.match(first, /^\s*ID\s+PID\s+STATE/m);
  for (const pid of pids) assert.match(first, new RegExp(`^\\s*\\d+\\s+${pid}\\s+ready\\b`, "m"));
  assert.equal(pane("#{alternate_on}"), "1", "drawn on the alternate screen");

  // It is live: a killed worker's replacement shows up without touching the keyboard.
  for (let i = 0; i < 20; i++) await request(port, "/");
  process.kill(pids[0]!, "SIGKILL");
  const replaced = await waitFor(() => {
    const text = screen();
    return !text.includes(String(pids[0])) && /^\s*1\s+\d+\s+ready\s+\S+\s+1\b/m.test(text) ? text : null;
  }, "the replacement on screen, with 1 restart", 20_000, 100);
  assert.match(replaced, new RegExp(`\\b${pids[1]}\\b`));

  tmux("send-keys", "-t", "top", "q");
  await waitFor(() => screen().includes("top exited"), "top to exit on q", 10_000, 100);
  assert.match(screen(), /top exited 0/);
  assert.equal(pane("#{alternate_on}"), "0", "the alternate screen was left");
  assert.equal(pane("#{cursor_flag}"), "1", "the cursor is visible again");
  tmux("kill-session", "-t", "top");

  // Ctrl-C quits the same way (raw mode turns it into a key, not a signal).
  tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "30", `${top}; echo "top exited $?"; sleep 60`);
  await waitFor(() => screen().includes(String(pids[1])), "top drawn again", 15_000, 100);
  tmux("send-keys", "-t", "top", "C-c");
  await waitFor(() => screen().includes("top exited"), "top to exit on Ctrl-C", 10_000, 100);
  assert.match(screen(), /top exited 0/);
  assert.equal(pane("#{alternate_on}"), "0");
  tmux("kill-session", "-t", "top");

  await corral.stop();
});

test("without a terminal, corral top prints one frame with rates and exits; NAME may be left out", async () => {
  const corral = startCorral(["start", fixture("hello.cjs"), "-w", "2", "--name", "topframe"]);
  const port = await corral.ready(2);
  const traffic = new Load(port, { keepAlive: 1, fresh: 0 }).start();
  try {
    const named = await runCli(["top", "topframe"], { env: { CORRAL_HOME: corral.home } });
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /workers 2\/2 ready · [\d.]+ req\/s/);
    assert.equal(named.stdout.match(/^\s*\d+\s+\d+\s+ready\b/gm)?.length, 2, named.stdout);
    assert.doesNotMatch(named.stdout, /\x1b\[/, "no escape sequences in a pipe");

    const only = await runCli(["top"], { env: { CORRAL_HOME: corral.home } });
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /corral top · topframe/);
  } finally {
    await traffic.stop();
  }
  const missing = await runCli(["top", "nothere"], { env: { CORRAL_HOME: corral.home } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no corral named "nothere" is running/);
  assert.equal((await runCli(["top", "a", "b"])).code, 2);
  await corral.stop();
});
