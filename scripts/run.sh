#!/usr/bin/env bash
# Sets up and runs Loom locally: Azurite (data in .azurite/), the sample backend, the Loom server, the sample
# workflows registered, one run of daily-report triggered. Ctrl+C stops everything it started.
#   --check   do all of that on free ports, wait for the daily-report run to succeed, then stop (used by the tests)
#   --e2e     as --check, then run the dashboard's browser test against it (Debian's Chromium, installed when missing);
#             screenshots go to artifacts/screenshots/; exits with the test's result (used by the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
check=false e2e=false
case "${1:-}" in
  --check) check=true ;;
  --e2e) check=true e2e=true ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--check | --e2e]" >&2; exit 2 ;;
esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

LOOM_PORT=${LOOM_PORT:-8080}
BACKEND_PORT=${BACKEND_PORT:-5080}
state="$root/.loom"
mkdir -p "$state" "$root/.azurite"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Give everything 10 s to stop cleanly (the server finishes calls in flight), then make sure nothing is left.
  for _ in $(seq 1 20); do
    alive=false
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

say() { printf '==> %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

say "Installing Azurite (npm ci) unless node_modules holds the pinned version"
bash scripts/ensure-azurite.sh
if [ -f dashboard/build.sh ]; then
  say "Building the dashboard"
  bash dashboard/build.sh
fi
say "Building Loom (Release)"
dotnet build functions/Loom.Server -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet build samples/backend -c Release --nologo -v quiet -clp:ErrorsOnly

if $check; then LOOM_PORT=$(free_port); BACKEND_PORT=$(free_port); fi
for p in "$LOOM_PORT" "$BACKEND_PORT"; do
  if port_busy "$p"; then echo "Port $p is in use; set LOOM_PORT / BACKEND_PORT to free ports." >&2; exit 2; fi
done
blob=$(free_port); queue=$(free_port); table=$(free_port)
say "Starting Azurite (blob $blob, queue $queue, table $table; data in .azurite/)"
azurite_args=(--silent --skipApiVersionCheck --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table")
if $check; then azurite_args+=(--inMemoryPersistence); else azurite_args+=(--location "$root/.azurite"); fi
node node_modules/azurite/dist/src/azurite.js "${azurite_args[@]}" >"$state/azurite.log" 2>&1 &
pids+=($!)

account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
connection="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/$account;QueueEndpoint=http://127.0.0.1:$queue/$account;TableEndpoint=http://127.0.0.1:$table/$account;"

[ -f "$state/admin-key" ] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' >"$state/admin-key"
[ -f "$state/callback-key" ] || head -c 32 /dev/urandom | base64 >"$state/callback-key"
admin_key=$(cat "$state/admin-key")

say "Starting the sample backend on http://127.0.0.1:$BACKEND_PORT"
dotnet samples/backend/bin/Release/net10.0/Loom.SampleBackend.dll --urls "http://127.0.0.1:$BACKEND_PORT" >"$state/backend.log" 2>&1 &
pids+=($!)

say "Starting the Loom server on http://127.0.0.1:$LOOM_PORT"
Loom__StorageConnectionString="$connection" \
Loom__ApiKeys__0__Key="$admin_key" Loom__ApiKeys__0__Role=admin Loom__ApiKeys__0__Name=local-admin \
Loom__CallbackSigningKey="$(cat "$state/callback-key")" \
Loom__PublicBaseUrl="http://127.0.0.1:$LOOM_PORT" \
Loom__AllowLoopback=true \
Loom__InstanceName=local \
Loom__Secrets__BACKEND_URL="http://127.0.0.1:$BACKEND_PORT" \
ASPNETCORE_URLS="http://127.0.0.1:$LOOM_PORT" \
  dotnet functions/Loom.Server/bin/Release/net10.0/Loom.Server.dll >"$state/server.log" 2>&1 &
pids+=($!)

api="http://127.0.0.1:$LOOM_PORT/api"
for _ in $(seq 1 120); do
  curl -sf "$api/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "$api/health" >/dev/null || { echo "The server did not become healthy; see .loom/server.log" >&2; tail -20 "$state/server.log" >&2; exit 1; }

say "Registering the sample workflows"
for f in samples/workflows/*.yaml; do
  sed "s#http://localhost:5080#http://127.0.0.1:$BACKEND_PORT#g" "$f" |
    curl -sS -o /dev/null -w "  $(basename "$f"): %{http_code}\n" -X POST "$api/workflows" \
      -H "x-functions-key: $admin_key" -H 'Content-Type: application/yaml' --data-binary @-
done

say "Triggering daily-report"
run_id=$(curl -sS -X POST "$api/workflows/daily-report/runs" -H "x-functions-key: $admin_key" -H 'Content-Type: application/json' -d '{}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["runId"])')

cat <<MSG

Loom is running.
  API:        $api   (dashboard: http://127.0.0.1:$LOOM_PORT/)
  Admin key:  $admin_key
  Backend:    http://127.0.0.1:$BACKEND_PORT  (GET /requests shows what it received)
  Logs:       .loom/server.log, .loom/backend.log, .loom/azurite.log

See the run it just started, with the CLI (its default address is this server's when LOOM_PORT is 8080):
  export LOOM_URL=http://127.0.0.1:$LOOM_PORT LOOM_KEY=$admin_key
  dotnet run --project functions/Loom.Cli -- run watch $run_id
or with curl:
  curl -s -H "x-functions-key: $admin_key" "$api/runs/$run_id"

MSG

if $check; then
  status=unknown
  for _ in $(seq 1 120); do
    status=$(curl -sS -H "x-functions-key: $admin_key" "$api/runs/$run_id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case "$status" in succeeded|failed|cancelled) break ;; esac
    sleep 0.5
  done
  case "$status" in
    succeeded) echo "run $run_id succeeded" ;;
    failed|cancelled) echo "run $run_id $status" >&2; exit 1 ;;
    *) echo "run $run_id did not finish in 60 s" >&2; exit 1 ;;
  esac
  $e2e || exit 0

  say "Dashboard browser test (screenshots in artifacts/screenshots/)"
  rm -rf "$root/artifacts/screenshots"
  mkdir -p "$root/artifacts/screenshots"
  # dashboard/e2e/run.sh installs Debian's Chromium when /usr/bin/chromium is missing, then runs the test.
  e2e_status=0
  LOOM_URL="http://127.0.0.1:$LOOM_PORT" LOOM_KEY="$admin_key" LOOM_SLOW_WORKFLOW=slow-demo \
    LOOM_SCREENSHOTS="$root/artifacts/screenshots" bash dashboard/e2e/run.sh </dev/null || e2e_status=$?
  exit "$e2e_status"
fi
echo "Press Ctrl+C to stop everything."
wait
