#!/usr/bin/env bash
# Sets up and runs every Loom test on a fresh machine: installs Azurite (npm ci), builds, tests.
# Tests start what they need themselves (Azurite on free ports, stub backends on 127.0.0.1) and stop it after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n==> %s\n' "$*"; }

step "npm ci (Azurite for the storage and server tests)"
if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "node_modules is current"
fi

step "Loom.Functions"
bash scripts/functions-check.sh

step "dotnet build (Release)"
dotnet build Loom.slnf -c Release --nologo -v quiet -clp:ErrorsOnly

step "dotnet test"
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=minimal" || status=1
done

# One closing line over all projects, counted from the result files.
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    s += int(c.get("notExecuted", 0))
print(f"Total: {p} passed, {f} failed, {s} skipped")
PY
exit $status
