#!/usr/bin/env bash
# API tests: the Postman collection (tests/api/) run with newman, twice in a row, against one
# real tiket-api server started from the build, each response checked against its schema in
# docs/openapi.yaml. JUnit reports go to $REPORT_DIR.
#
# Usage: scripts/api-test.sh
#
# Environment:
#   TIKET_BIN     the server binary (default build/$PRESET/tiket-api; PRESET default dev)
#   DATABASE_URL  use this database (GitHub's MySQL service); otherwise a throwaway private
#                 MariaDB (scripts/db.sh) is started and removed again
#   REPORT_DIR    default build/api-tests
#   RUNS          how many times the collection runs against the same server (default 2: a
#                 second run proves the collection does not depend on a fresh database)
#
# The server runs with APP_ENV=development and the development defaults, as `scripts/run.sh`
# serves it, plus the demo data (`tiket-api seed-demo`) the collection logs in with, and the
# fake payment gateway (tests/fakes/midtrans) its payments folder pays through.
# Needs `npm ci` (newman, ajv, yaml) and a build.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/free-port.sh

PRESET="${PRESET:-dev}"
TIKET_BIN="${TIKET_BIN:-build/$PRESET/tiket-api}"
REPORT_DIR="${REPORT_DIR:-build/api-tests}"
RUNS="${RUNS:-2}"

[[ -x "$TIKET_BIN" ]] || { echo "api-test: $TIKET_BIN not built (cmake --build --preset $PRESET)" >&2; exit 2; }
[[ -d node_modules/newman ]] || { echo "api-test: node_modules missing; run npm ci" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiket-api-test.XXXXXX")"
db_dir=""
server_pid=""
fake_pid=""
cleanup() {
  local rc=$?
  [[ -z "$fake_pid" ]] || kill -TERM "$fake_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$db_dir" ]]; then
    LOCAL_DIR="$db_dir" scripts/db.sh stop >/dev/null || true
  fi
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${DATABASE_URL:-}" ]]; then
  db_dir="$tmp/db"
  LOCAL_DIR="$db_dir" DB_PORT="$(free_port)" scripts/db.sh start >/dev/null
  DATABASE_URL="$(LOCAL_DIR="$db_dir" scripts/db.sh url)"
fi
export DATABASE_URL APP_ENV=development LOCAL_DIR="$tmp/app" LOG_LEVEL=warn

"$TIKET_BIN" migrate
"$TIKET_BIN" seed-demo

# The fake payment gateway (tests/fakes/midtrans) for the collection's payments folder, as
# scripts/run.sh starts it: it needs the service's port for its notifications, so both ports
# are chosen up front.
port="$(free_port)"
fake_port="$(free_port)"
MIDTRANS_SERVER_KEY="SB-Mid-server-api-test-$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')"
PAYMENT_CALLBACK_URL="http://127.0.0.1:$port/api/payments/notifications"
MIDTRANS_SNAP_URL="http://127.0.0.1:$fake_port"
MIDTRANS_API_URL="http://127.0.0.1:$fake_port"
export MIDTRANS_SERVER_KEY PAYMENT_CALLBACK_URL MIDTRANS_SNAP_URL MIDTRANS_API_URL
node tests/fakes/midtrans/server.js --host 127.0.0.1 --port "$fake_port" \
  --notify-url "$PAYMENT_CALLBACK_URL" >"$tmp/fake.log" 2>&1 &
fake_pid=$!

PORT="$port" HOST=127.0.0.1 LOG_LEVEL=info "$TIKET_BIN" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
listening=""
for ((i = 0; i < 300; i++)); do
  kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$tmp/server.log" >&2; echo "api-test: tiket-api exited" >&2; exit 1; }
  listening="$(grep -m1 '"msg":"listening"' "$tmp/server.log" || true)"
  [[ -z "$listening" ]] || break
  sleep 0.1
done
[[ -n "$listening" ]] || { echo "api-test: tiket-api did not start listening in 30 s" >&2; exit 1; }
# The fake starts in parallel with the service and may be slower (Node's start-up on a busy
# machine): wait for its line too, with the same patience.
for ((i = 0; i < 300; i++)); do
  grep -q '^fake-midtrans listening on ' "$tmp/fake.log" && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^fake-midtrans listening on ' "$tmp/fake.log" || { cat "$tmp/fake.log" >&2; echo "api-test: the fake gateway did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
for ((i = 0; i < 300; i++)); do
  curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$base/readyz" || { echo "api-test: $base/readyz never answered 200" >&2; exit 1; }

rm -rf -- "$REPORT_DIR"
for ((run = 1; run <= RUNS; run++)); do
  echo "api-test: run $run of $RUNS against $base"
  node tests/api/run-collection.js --base-url "$base" --fake-gateway-url "http://127.0.0.1:$fake_port" \
    --report-dir "$REPORT_DIR" --label "run$run"
done
# What the server's memory came to (Kubernetes requests and limits are sized from this).
rss="$(awk '/^VmRSS|^VmHWM/ {printf "%s %s MiB  ", $1, int($2 / 1024)}' "/proc/$server_pid/status")"
echo "api-test: server memory after $RUNS runs: $rss"
echo "api-test: $RUNS runs passed; JUnit reports in $REPORT_DIR"
