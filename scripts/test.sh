#!/usr/bin/env bash
# Sets up and runs every Loom test on a fresh machine: installs Azurite (npm ci), builds, tests; then the README's run
# command (scripts/run.sh --check), the dashboard's unit tests, the OpenAPI lint and generated client, and the dashboard's
# browser test against a real server (--e2e) and against the Function App (a test in tests/Loom.Functions.Tests, counted
# here from its log).
# Tests start what they need themselves (Azurite on free ports, stub backends on 127.0.0.1) and stop it after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n==> %s\n' "$*"; }

step "npm ci (Azurite for the storage and server tests)"
bash scripts/ensure-azurite.sh

# Before the .NET build: Loom.Functions copies the built dashboard into its package (and its tests serve it).
step "Dashboard build (dashboard/build.sh, before the .NET build)"
bash dashboard/build.sh

step "dotnet build LoomFunctions.sln (Release: every project, the Function App included)"
dotnet build LoomFunctions.sln -c Release --nologo -v quiet -clp:ErrorsOnly

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

# Suites other than dotnet test write "name passed failed skipped" lines here; the closing line adds them in.
counts="$results/other-suites.txt"
: >"$counts"

# A browser test's checks, from the last "N passed, M failed" of its log (none, or no log: one failure).
e2e_counts() {
  python3 - "$1" "$2" >>"$counts" <<'PY'
import re, sys
try:
    found = re.findall(r"^(\d+) passed, (\d+) failed$", open(sys.argv[2]).read(), re.M)
except OSError:
    found = []
print(f"{sys.argv[1]} {found[-1][0]} {found[-1][1]} 0" if found else f"{sys.argv[1]} 0 1 0")
PY
}

# The browser test on the Function App ran inside dotnet test (DashboardTests.BrowserTest_PassesOnTheFunctionApp),
# which leaves the e2e's own output here: its checks count like the server's.
e2e_counts dashboard-e2e-functions "$results/dashboard-e2e-functions.log"

step "README run command (scripts/run.sh --check)"
if bash scripts/run.sh --check </dev/null; then echo "run-check 1 0 0" >>"$counts"; else echo "run-check 0 1 0" >>"$counts"; status=1; fi

step "Dashboard unit tests (vitest)"
vitest_json="$results/vitest.json"
rm -f "$vitest_json"
if bash dashboard/build.sh && (cd dashboard && npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json" </dev/null); then :; else status=1; fi
python3 - "$vitest_json" >>"$counts" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(f"vitest {r['numPassedTests']} {r['numFailedTests']} {r['numPendingTests'] + r.get('numTodoTests', 0)}")
except Exception:
    print("vitest 0 1 0")  # no report: the build or the run itself failed
PY

step "OpenAPI documents: redocly lint (recommended rules) and a client generated from them (openapi-typescript)"
# tests/Loom.Server.Tests/OpenApiDocumentTests wrote the documents both hosts serve into artifacts/openapi. Lint fails the run
# on errors; the generated types must equal the committed dashboard/src/api.generated.ts and compile against the dashboard
# (dashboard/src/api.ts and api.contract.ts). The tools are pinned in dashboard/package.json. A C# client generated from the
# served document (NSwag) drives a run end to end in tests/Loom.Client.Tests, counted with the dotnet tests above.
openapi="$root/artifacts/openapi"
for doc in server functions; do
  if [ -f "$openapi/$doc.json" ] && (cd dashboard && npx --yes @redocly/cli@2.77.0 lint "$openapi/$doc.json" </dev/null); then
    echo "openapi-lint-$doc 1 0 0" >>"$counts"
  else
    echo "openapi-lint-$doc 0 1 0" >>"$counts"; status=1
  fi
done
if [ -f "$openapi/server.json" ] \
  && (cd dashboard && npx --yes openapi-typescript@7.13.0 "$openapi/server.json" -o "$openapi/api.generated.ts" </dev/null) \
  && { diff -u dashboard/src/api.generated.ts "$openapi/api.generated.ts" || { echo "dashboard/src/api.generated.ts is stale: copy $openapi/api.generated.ts over it"; false; }; } \
  && (cd dashboard && npx tsc --noEmit </dev/null); then
  echo "openapi-client 1 0 0" >>"$counts"
else
  echo "openapi-client 0 1 0" >>"$counts"; status=1
fi

step "Dashboard browser test against the real server (scripts/run.sh --e2e)"
e2e_log="$results/dashboard-e2e.log"
bash scripts/run.sh --e2e </dev/null 2>&1 | tee "$e2e_log" || status=1
e2e_counts dashboard-e2e "$e2e_log"

# One closing line over every suite: the dotnet result files plus the counts above.
python3 - "$results" "$counts" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    s += int(c.get("notExecuted", 0))
parts = [f"dotnet {p}/{f}/{s}"]
for line in open(sys.argv[2]):
    name, a, b, c = line.split()
    parts.append(f"{name} {a}/{b}/{c}")
    p += int(a); f += int(b); s += int(c)
# Name every failed dotnet test at the end, where a log's tail shows it, with the first line of its message.
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(path).getroot().iter("{%s}UnitTestResult" % ns["t"]):
        if r.get("outcome") not in ("Failed", "Error", "Timeout"): continue
        m = r.find("t:Output/t:ErrorInfo/t:Message", ns)
        first = (m.text or "").strip().splitlines()[0][:300] if m is not None and m.text else ""
        print(f"FAILED {r.get('testName')}: {first}")
print("Suites (passed/failed/skipped): " + ", ".join(parts))
print(f"Total: {p} passed, {f} failed, {s} skipped")
PY
exit $status
