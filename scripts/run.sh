#!/usr/bin/env bash
# The one command to run Tiket locally:
#   install deps → release build → database (private one unless DATABASE_URL
#   is set) → migrate → demo seed (development only) → serve until Ctrl-C.
#
# Environment:
#   DATABASE_URL  use this database instead of the private one (scripts/db.sh)
#   APP_ENV       default development
#   PORT          HTTP port, default 8080
#   LOCAL_DIR, DB_PORT  passed through to scripts/db.sh (private DB location/port)
#   PAYMENT_GATEWAY     fake (default unless APP_ENV=production) or midtrans. With
#                 fake, the fake Midtrans (tests/fakes/midtrans/server.js) runs
#                 next to the service on FAKE_MIDTRANS_PORT (default 8090) with a
#                 development server key kept in LOCAL_DIR/keys, and the service
#                 is pointed at it; with midtrans, the MIDTRANS_* settings are
#                 used as given.
#
# Works without a TTY: no prompts, and Ctrl-C / SIGTERM are handled by traps
# (the service is run in the background and waited for, because bash runs
# traps only between commands, never while a foreground child is running).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

PRESET=release
BIN="build/$PRESET/tiket-api"

started_db=0   # 1 when this script started the private DB and must stop it
svc_pid=""     # the service, once it runs
fake_pid=""    # the fake payment gateway, once it runs
fake_out=""    # its stdout (the "listening on" line)
signals=0

# The handlers below run only from traps; shellcheck can't see that.
# shellcheck disable=SC2317
cleanup() {
  stop_fake_gateway
  if ((started_db)); then
    scripts/db.sh stop || true
  fi
}

# Stops the fake gateway, if it runs: SIGTERM, then SIGKILL after 5 s.
# shellcheck disable=SC2317
stop_fake_gateway() {
  if [[ -n "$fake_pid" ]]; then
    kill -TERM "$fake_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$fake_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
    fake_pid=""
  fi
  if [[ -n "$fake_out" ]]; then
    rm -f -- "$fake_out"
    fake_out=""
  fi
}
trap cleanup EXIT

# shellcheck disable=SC2317
on_signal() {
  signals=$((signals + 1))
  if [[ -z "$svc_pid" ]]; then
    # Still building or migrating: just leave (the EXIT trap stops the DB).
    exit 130
  fi
  if ((signals == 1)); then
    echo "run: stopping tiket-api (pid $svc_pid)..." >&2
    kill -TERM "$svc_pid" 2>/dev/null || true
  else
    # A second Ctrl-C means "now": don't wait for a graceful drain.
    echo "run: killing tiket-api (pid $svc_pid)" >&2
    kill -KILL "$svc_pid" 2>/dev/null || true
  fi
}
trap on_signal INT TERM

scripts/install-deps.sh
# The Swagger UI that /docs serves comes from the npm package swagger-ui-dist; the build copies
# it into build/release/static.
if [[ ! -f node_modules/swagger-ui-dist/package.json ]]; then
  npm ci --no-audit --no-fund
fi

cmake --preset "$PRESET"
cmake --build --preset "$PRESET"
# The web app the service serves at / (web/dist): npm ci and vite build, skipped when up to date.
scripts/build-web.sh

if [[ -z "${DATABASE_URL:-}" ]]; then
  # Only stop the private DB on exit if it was not already running: another
  # run.sh or a developer may be using it.
  if ! scripts/db.sh status >/dev/null 2>&1; then
    started_db=1
  fi
  scripts/db.sh start
  DATABASE_URL="$(scripts/db.sh url)"
fi
export DATABASE_URL
export APP_ENV="${APP_ENV:-development}"
export PORT="${PORT:-8080}"

if [[ "$APP_ENV" == production ]]; then
  PAYMENT_GATEWAY="${PAYMENT_GATEWAY:-midtrans}"
else
  PAYMENT_GATEWAY="${PAYMENT_GATEWAY:-fake}"
fi
case "$PAYMENT_GATEWAY" in
  fake | midtrans) ;;
  *)
    echo "run: PAYMENT_GATEWAY must be fake or midtrans, not '$PAYMENT_GATEWAY'" >&2
    exit 2
    ;;
esac

"$BIN" migrate

# Demo data for a development run: the demo users and data/demo-catalog.json's concerts.
if [[ "$APP_ENV" == development && -x scripts/seed-demo.sh ]]; then
  scripts/seed-demo.sh
fi

# The fake payment gateway: started last before the service, so nothing that can
# fail slowly (the build, migrations) leaves it running for long.
start_fake_gateway() {
  local fake_port="${FAKE_MIDTRANS_PORT:-8090}"
  local key_file="${LOCAL_DIR:-.local}/keys/midtrans-server.key"
  if [[ ! -s "$key_file" ]]; then
    # A development key, made once and kept with the other local keys
    # (LOCAL_DIR is git-ignored). It only ever travels over loopback.
    mkdir -p "$(dirname "$key_file")"
    (
      umask 077
      printf 'SB-Mid-server-fake-%s\n' "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" \
        >"$key_file"
    )
  fi
  MIDTRANS_SERVER_KEY="$(<"$key_file")"
  PAYMENT_CALLBACK_URL="http://127.0.0.1:$PORT/api/payments/notifications"
  MIDTRANS_SNAP_URL="http://127.0.0.1:$fake_port"
  MIDTRANS_API_URL="http://127.0.0.1:$fake_port"
  export MIDTRANS_SERVER_KEY PAYMENT_CALLBACK_URL MIDTRANS_SNAP_URL MIDTRANS_API_URL

  # The key reaches the fake through the environment, never the command line
  # (which any local user can read in ps).
  fake_out="$(mktemp "${TMPDIR:-/tmp}/tiket-fake-midtrans.XXXXXX")"
  # --finish-url: the pay page's "Back to the merchant" link returns to the web app.
  node tests/fakes/midtrans/server.js --host 127.0.0.1 --port "$fake_port" \
    --notify-url "$PAYMENT_CALLBACK_URL" --finish-url "http://localhost:$PORT/payment/finish" >"$fake_out" &
  fake_pid=$!

  # Ready once it printed its "listening on" line; if it exits first (the port
  # is taken, say), stop here rather than serve without a gateway.
  local i
  for ((i = 0; i < 100; i++)); do
    if grep -q '^fake-midtrans listening on ' "$fake_out"; then
      return 0
    fi
    if ! kill -0 "$fake_pid" 2>/dev/null; then
      wait "$fake_pid" 2>/dev/null || true
      fake_pid=""
      echo "run: the fake payment gateway did not start on port $fake_port" \
        "(set FAKE_MIDTRANS_PORT to use another port)" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "run: the fake payment gateway did not start within 10 s" >&2
  exit 1
}

payments_line="  payments $PAYMENT_GATEWAY (MIDTRANS_* settings as given)"
if [[ "$PAYMENT_GATEWAY" == fake ]]; then
  start_fake_gateway
  payments_line="  payments http://127.0.0.1:${FAKE_MIDTRANS_PORT:-8090}"
  payments_line+=" (fake Midtrans, see tests/fakes/midtrans/README.md)"
fi

cat <<EOF

Tiket ($APP_ENV) on port $PORT:
  health   http://localhost:$PORT/healthz
  ready    http://localhost:$PORT/readyz
  metrics  http://localhost:$PORT/metrics
  web app  http://localhost:$PORT/
  API      http://localhost:$PORT/api
  docs     http://localhost:$PORT/docs (Swagger UI; http://localhost:$PORT/openapi.yaml)
$payments_line
Press Ctrl-C to stop.

EOF

"$BIN" &
svc_pid=$!

# `wait` returns early (status > 128) when a trapped signal arrives; keep
# waiting until the service itself has exited, then take its exit status.
status=0
while :; do
  if wait "$svc_pid"; then status=0; else status=$?; fi
  if ((status > 128)) && kill -0 "$svc_pid" 2>/dev/null; then
    continue
  fi
  break
done
svc_pid=""

echo "run: tiket-api exited with status $status" >&2
exit "$status"
