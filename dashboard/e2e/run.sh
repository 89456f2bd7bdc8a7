#!/usr/bin/env bash
# Runs the dashboard's browser test against a running Loom server (LOOM_URL, LOOM_KEY, LOOM_SLOW_WORKFLOW).
# Installs Debian's Chromium when it is missing, and the dashboard's npm packages when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."

browser="${LOOM_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$browser" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "dashboard e2e: installing chromium (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "dashboard e2e: $browser is missing; install it with: sudo apt-get install -y chromium" >&2
    echo "0 passed, 1 failed"
    exit 2
  fi
fi

stamp=node_modules/.package-lock.json
if [ ! -d node_modules/playwright-core ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  ./build.sh
fi

exec node e2e/dashboard.e2e.mjs
