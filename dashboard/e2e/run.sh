#!/usr/bin/env bash
# Runs the dashboard's browser test against a running Loom server (LOOM_URL, LOOM_KEY, LOOM_SLOW_WORKFLOW).
# Installs Debian's Chromium when it is missing (apt-get, as root or through passwordless sudo), and the
# dashboard's npm packages when they are stale. `scripts/run.sh --e2e` starts a server and calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "dashboard e2e: $*" >&2; echo "0 passed, 1 failed"; exit 2; }

browser="${LOOM_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$browser" ]; then
  if [ "$(id -u)" = "0" ]; then sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n)
  else fail "$browser is missing; install it with: sudo apt-get install -y chromium"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "$browser is missing and there is no apt-get to install it"
  echo "dashboard e2e: $browser is missing; installing Debian's chromium (apt-get)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null ||
    fail "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null ||
    fail "apt-get install chromium failed"
  [ -x "$browser" ] || fail "chromium was installed but $browser is still missing"
fi

stamp=node_modules/.package-lock.json
if [ ! -d node_modules/playwright-core ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  ./build.sh
fi

exec node e2e/dashboard.e2e.mjs
