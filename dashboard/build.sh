#!/usr/bin/env bash
# Builds the dashboard into functions/Loom.Server/wwwroot. Installs packages (npm ci) only when
# node_modules is missing or older than package-lock.json, so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "dashboard/build.sh: npm is not installed (Node 20.19+ is needed to build the dashboard)" >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "dashboard: npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>npm-ci.log; then
    # This machine's partial npm registry lacks rollup's optional binaries for other platforms, so the lock
    # file has no entries for them and `npm ci` calls it out of sync. `npm install` honours the same pinned
    # versions; --no-save keeps it from writing the lock file, and the committed copy is put back should any
    # npm version write it anyway, so a build never leaves the work tree dirty.
    echo "dashboard: npm ci refused the lock file ($(grep -m1 -i 'error' npm-ci.log || echo 'see npm-ci.log')); falling back to npm install"
    lock_copy=$(mktemp)
    cp -p package-lock.json "$lock_copy"
    if ! npm install --no-save --no-audit --no-fund --loglevel=error; then
      cp -p "$lock_copy" package-lock.json; rm -f "$lock_copy" npm-ci.log
      echo "dashboard/build.sh: npm install failed" >&2
      exit 1
    fi
    cmp -s "$lock_copy" package-lock.json || cp -p "$lock_copy" package-lock.json
    rm -f "$lock_copy"
  fi
  rm -f npm-ci.log
fi

echo "dashboard: npm run build"
npm run build --silent
echo "dashboard: built into $(cd ../functions/Loom.Server/wwwroot && pwd)"
