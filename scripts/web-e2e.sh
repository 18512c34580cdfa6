#!/usr/bin/env bash
# End-to-end tests of the web app (web/e2e/, node --test with playwright-core driving Debian's
# chromium; no browser download) against the real service, a throwaway MariaDB and the fake
# payment gateway, started as scripts/api-test.sh starts them.
#
# Usage: scripts/web-e2e.sh
#
# Environment:
#   TIKET_BIN      the server binary (default build/$PRESET/tiket-api; PRESET default dev)
#   DATABASE_URL   use this database; otherwise a throwaway private MariaDB is started and removed
#   CHROMIUM       the browser (default /usr/bin/chromium; scripts/install-deps.sh installs it)
#   E2E_OUT        screenshots and logs (default web/test-output)
#
# The service serves the built app (web/dist) at /. A service that does not (yet) serve it is
# fronted by `vite preview`, which serves web/dist and forwards /api to the service, so the
# browser still sees one origin.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=scripts/lib/free-port.sh
source scripts/lib/free-port.sh

PRESET="${PRESET:-dev}"
TIKET_BIN="${TIKET_BIN:-build/$PRESET/tiket-api}"
E2E_OUT="${E2E_OUT:-$REPO_ROOT/web/test-output}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

[[ -x "$TIKET_BIN" ]] || { echo "web-e2e: $TIKET_BIN not built (cmake --build --preset $PRESET)" >&2; exit 2; }
[[ -x "$CHROMIUM" ]] || { echo "web-e2e: no browser at $CHROMIUM (scripts/install-deps.sh installs chromium)" >&2; exit 2; }
[[ -d web/node_modules/playwright-core ]] || (cd web && npm ci --no-audit --no-fund)
[[ -f web/dist/index.html ]] || (cd web && npx vite build)

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiket-web-e2e.XXXXXX")"
db_dir=""
pids=()
cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$db_dir" ]]; then
    LOCAL_DIR="$db_dir" scripts/db.sh stop >/dev/null || true
  fi
  if ((rc != 0)) && [[ -d "$tmp" ]]; then
    mkdir -p "$E2E_OUT"
    cp "$tmp"/*.log "$E2E_OUT/" 2>/dev/null || true
  fi
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_line FILE PATTERN PID NAME: the process printed PATTERN within 30 s, or fail.
wait_for_line() {
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q -- "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$1" >&2
  echo "web-e2e: $4 did not start" >&2
  return 1
}

if [[ -z "${DATABASE_URL:-}" ]]; then
  db_dir="$tmp/db"
  LOCAL_DIR="$db_dir" DB_PORT="$(free_port)" scripts/db.sh start >/dev/null
  DATABASE_URL="$(LOCAL_DIR="$db_dir" scripts/db.sh url)"
fi
# A 60 s access token (the shortest allowed), so the test can watch one expire and be
# refreshed without the user noticing.
export DATABASE_URL APP_ENV=development LOCAL_DIR="$tmp/app" LOG_LEVEL=warn JWT_ACCESS_TTL_S=60
DEMO_PASSWORD="e2e-demo-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DEMO_PASSWORD
"$TIKET_BIN" migrate >/dev/null
"$TIKET_BIN" seed-demo >/dev/null

port="$(free_port)"
fake_port="$(free_port)"
web_port="$(free_port)"
api_url="http://127.0.0.1:$port"
MIDTRANS_SERVER_KEY="SB-Mid-server-e2e-$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')"
PAYMENT_CALLBACK_URL="$api_url/api/payments/notifications"
MIDTRANS_SNAP_URL="http://127.0.0.1:$fake_port"
MIDTRANS_API_URL="http://127.0.0.1:$fake_port"
export MIDTRANS_SERVER_KEY PAYMENT_CALLBACK_URL MIDTRANS_SNAP_URL MIDTRANS_API_URL

WEB_DIR="$REPO_ROOT/web/dist" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=info \
  "$TIKET_BIN" serve >"$tmp/server.log" 2>&1 &
pids+=($!)
wait_for_line "$tmp/server.log" '"msg":"listening"' "${pids[-1]}" tiket-api

# The app's origin: the service itself when it serves the app, else vite preview in front of it.
web_url="$api_url"
if ! curl -fsS "$api_url/" 2>/dev/null | grep -q 'id="root"'; then
  echo "web-e2e: the service does not serve web/dist; using vite preview in front of it"
  (cd web && TIKET_API_URL="$api_url" exec node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$web_port" --strictPort) \
    >"$tmp/preview.log" 2>&1 &
  pids+=($!)
  web_url="http://127.0.0.1:$web_port"
  wait_for_line "$tmp/preview.log" "$web_port" "${pids[-1]}" "vite preview"
fi

# The gateway's "Back to the merchant" link leads to the app's /payment/finish.
node tests/fakes/midtrans/server.js --host 127.0.0.1 --port "$fake_port" \
  --notify-url "$PAYMENT_CALLBACK_URL" --finish-url "$web_url/payment/finish" >"$tmp/fake.log" 2>&1 &
pids+=($!)
wait_for_line "$tmp/fake.log" '^fake-midtrans listening on ' "${pids[-1]}" "the fake gateway"

for ((i = 0; i < 300; i++)); do
  curl -fsS -o /dev/null "$api_url/readyz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$api_url/readyz" || { echo "web-e2e: $api_url/readyz never answered 200" >&2; exit 1; }

mkdir -p "$E2E_OUT"
echo "web-e2e: app $web_url, API $api_url, gateway http://127.0.0.1:$fake_port"
WEB_URL="$web_url" API_URL="$api_url" GATEWAY_URL="http://127.0.0.1:$fake_port" E2E_OUT="$E2E_OUT" \
  node --test --test-concurrency=1 --test-reporter=spec web/e2e/
