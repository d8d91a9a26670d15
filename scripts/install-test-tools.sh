#!/usr/bin/env bash
# Installs what the test suite needs that `npm ci` does not provide:
#   promtool  (Debian package prometheus)   `promtool check metrics` on /metrics output
#   chromium  (Debian package chromium)     dashboard tests through playwright-core
#   tmux      (Debian package tmux)         `corral top` terminal UI test
#   nginx     (Debian package nginx)        deploy/nginx recipe: `nginx -t` and a real nginx in front of corral
#   haproxy   (Debian package haproxy)      deploy/haproxy recipe: `haproxy -c` and /readyz health checks
#   logrotate (Debian package logrotate)    deploy/logrotate recipe: rotation under load, reopened by corral
#   systemd-socket-activate, systemd-notify, systemd-analyze (Debian package systemd)   socket activation, sd_notify, unit checks
#   python3   (Debian package python3)      the sd_notify test's unix datagram listener (node cannot open one)
#   unshare   (Debian package util-linux)   corral stop against a corral that is PID 1 in a pid namespace (as in a container)
#   Node 22   (npm package node@22, into .tools/node22)   .ci/run runs the suite on it too
#   Node 24   (npm package node@24, into .tools/node24)   reusePort / `--balance os` tests; .ci/run runs the suite on it
# Idempotent: anything already present is left alone, so re-runs take well under a second.
# Quiet on success; on failure prints the failing command's output and exits non-zero.
# Cold run on Debian 12 (nothing installed): see docs/internals.md § "Test tools".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs a command with its output appended to the log; on failure shows the whole log
# (so a failed install also shows the `apt-get update` warnings that explain it).
run() {
  local status=0
  "$@" >>"$log" 2>&1 || status=$?
  if ((status != 0)); then
    cat "$log" >&2
    echo "install-test-tools: failed (exit $status): $*" >&2
    exit 1
  fi
}

# --- Debian packages ---------------------------------------------------------
packages=()
command -v promtool >/dev/null 2>&1 || packages+=(prometheus) # bookworm's prometheus ships /usr/bin/promtool
command -v tmux >/dev/null 2>&1 || packages+=(tmux)
# chromium-common only *recommends* a font; without one, headless pages lay out text with no glyphs.
command -v chromium >/dev/null 2>&1 || packages+=(chromium fonts-liberation)
# Both live in /usr/sbin, which a non-root PATH may lack; the tests look there too (test/helpers/tools.ts).
daemons=()
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || daemons+=(nginx)
[[ -x /usr/sbin/haproxy ]] || command -v haproxy >/dev/null 2>&1 || daemons+=(haproxy)
packages+=("${daemons[@]}")
[[ -x /usr/sbin/logrotate ]] || command -v logrotate >/dev/null 2>&1 || packages+=(logrotate)
# Passes listening sockets exactly as systemd does (LISTEN_FDS), without systemd as PID 1.
command -v systemd-socket-activate >/dev/null 2>&1 || [[ -x /lib/systemd/systemd-socket-activate ]] || packages+=(systemd)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
# A pid namespace (corral as PID 1, as in a container): util-linux, essential on Debian, but not on every image.
command -v unshare >/dev/null 2>&1 || packages+=(util-linux)

if ((${#packages[@]} > 0)); then
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || { echo "install-test-tools: need root (or sudo) to apt-get install ${packages[*]}" >&2; exit 1; }
    sudo=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg (e.g. unattended-upgrades) instead of failing on its lock.
  apt=("${sudo[@]}" apt-get -q -y -o DPkg::Lock::Timeout=300)
  run "${apt[@]}" update
  # No recommends: they would add prometheus-node-exporter (a daemon) and chromium's
  # desktop helpers (upower, udev, notification-daemon), none of which the tests use.
  run "${apt[@]}" install --no-install-recommends "${packages[@]}"
  for bin in promtool tmux chromium; do
    command -v "$bin" >/dev/null 2>&1 || { echo "install-test-tools: $bin still missing after apt-get install" >&2; exit 1; }
  done
  for bin in nginx haproxy logrotate; do
    [[ -x /usr/sbin/$bin ]] || command -v "$bin" >/dev/null 2>&1 || { echo "install-test-tools: $bin still missing after apt-get install" >&2; exit 1; }
  done
  # On a host with systemd the packages start their own daemon (nginx on :80). The tests run
  # private instances on free loopback ports, so stop and disable the ones we just installed.
  if ((${#daemons[@]} > 0)) && [[ -d /run/systemd/system ]]; then
    run "${sudo[@]}" systemctl disable --now "${daemons[@]}"
  fi
fi

# --- Node 22 and 24 ------------------------------------------------------------
# The npm package `node` fetches the matching node-<os>-<arch> binary package from the
# registry (the only place CI can reach besides Debian's mirrors). .tools/ is git-ignored.
for major in 22 24; do
  bin=.tools/node$major/node_modules/.bin/node
  if ! "$bin" --version 2>/dev/null | grep -q "^v$major\."; then
    rm -rf ".tools/node$major"
    run npm install --prefix ".tools/node$major" --no-save --no-audit --no-fund "node@$major"
    "$bin" --version 2>/dev/null | grep -q "^v$major\." || { echo "install-test-tools: $bin is not a working Node $major" >&2; exit 1; }
  fi
done
