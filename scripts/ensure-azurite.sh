#!/usr/bin/env bash
# Installs the pinned Azurite (npm ci at the repository root) unless node_modules already holds that version.
# Compares versions, not file times: a fresh checkout's package-lock.json is always newer than an install that matches it.
# Sourced or run from the repository root by scripts/run.sh and scripts/test.sh.
set -euo pipefail
locked=$(node -p 'require("./package-lock.json").packages["node_modules/azurite"].version' 2>/dev/null || echo none)
installed=$(node -p 'require("./node_modules/azurite/package.json").version' 2>/dev/null || echo missing)
if [ -x node_modules/.bin/azurite ] && [ "$locked" = "$installed" ]; then
  echo "node_modules holds Azurite $installed"
  exit 0
fi
if [ -L node_modules ]; then
  # npm ci would empty the shared folder the link points at, under every other checkout using it.
  echo "node_modules links to $(readlink node_modules), which holds Azurite $installed, not $locked; run npm ci there." >&2
  exit 2
fi
npm ci --no-audit --no-fund --loglevel=error
