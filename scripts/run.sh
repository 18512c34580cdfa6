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
signals=0

# The two handlers below run only from traps; shellcheck can't see that.
# shellcheck disable=SC2317
cleanup() {
  if ((started_db)); then
    scripts/db.sh stop || true
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

cmake --preset "$PRESET"
cmake --build --preset "$PRESET"

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

"$BIN" migrate

# Demo data for a development run: the demo users and data/demo-catalog.json's concerts.
if [[ "$APP_ENV" == development && -x scripts/seed-demo.sh ]]; then
  scripts/seed-demo.sh
fi

cat <<EOF

Tiket ($APP_ENV) on port $PORT:
  health   http://localhost:$PORT/healthz
  ready    http://localhost:$PORT/readyz
  metrics  http://localhost:$PORT/metrics
  API      http://localhost:$PORT/api
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
