#!/usr/bin/env bash
# Build one preset and run every test (unit + integration) with ctest, plus the
# fake payment gateway's own tests (node --test tests/fakes/midtrans/).
#
# Usage: scripts/test.sh [CTEST_ARG...]      e.g. scripts/test.sh -R Unit
#
# CTEST_ARGs narrow the run to those ctest tests, so the Node tests run only when
# none are given.
#
# Environment:
#   PRESET        configure/build/test preset: dev (default), asan, release
#   DATABASE_URL  use this server for the integration tests; when unset a
#                 throwaway private MariaDB is started in a temp dir on a free
#                 port and removed again on exit
#
# The tests get the server as TEST_DATABASE_URL (they create and drop their
# own databases on it).
#
# With no ctest arguments (and PRESET not asan) it also builds the web app and runs its unit
# tests (Vitest) and its end-to-end tests (scripts/web-e2e.sh, Debian's chromium); WEB_TESTS=0
# skips them, WEB_TESTS=1 runs them even with a filter.
#
# With no ctest arguments (and PRESET not asan) it also runs the Go tests of
# exercises/ (the Gin handler of the code-review answer) with Debian's go and
# packaged Gin, offline (GOPATH mode); GO_TESTS=0 skips them, GO_TESTS=1 runs
# them even with a filter.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

PRESET="${PRESET:-dev}"

tmp_db_dir=""

cleanup() {
  local rc=$?
  if [[ -n "$tmp_db_dir" ]]; then
    LOCAL_DIR="$tmp_db_dir" scripts/db.sh stop >/dev/null || rc=1
    rm -rf -- "$tmp_db_dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
# Make Ctrl-C / SIGTERM go through the EXIT trap as well, so the throwaway
# server never outlives us.
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=scripts/lib/free-port.sh
source "$REPO_ROOT/scripts/lib/free-port.sh"

start_throwaway_db() {
  tmp_db_dir="$(mktemp -d "${TMPDIR:-/tmp}/tiket-test-db.XXXXXX")"
  # The port can be taken between the check and the server's bind; the
  # data directory is reusable, so just try another port.
  local attempt port
  for attempt in 1 2 3; do
    port="$(free_port)"
    if LOCAL_DIR="$tmp_db_dir" DB_PORT="$port" scripts/db.sh start; then
      TEST_DATABASE_URL="$(LOCAL_DIR="$tmp_db_dir" scripts/db.sh url)"
      return 0
    fi
    echo "test: throwaway DB did not start on port $port (attempt $attempt)" >&2
  done
  return 1
}

scripts/install-deps.sh
# The build copies the Swagger UI that GET /docs serves from the npm package swagger-ui-dist,
# and the docs tests read it: a fresh clone needs `npm ci` once, as scripts/run.sh does.
if [[ ! -f node_modules/swagger-ui-dist/package.json ]]; then
  npm ci --no-audit --no-fund
fi

# A few seconds, no build and no database needed: run them first, so a broken
# fake fails fast.
if (($# == 0)); then
  node --test --test-reporter=spec tests/fakes/midtrans/
fi

# The web app's unit tests (Vitest), like the fake's: no build, no database. WEB_TESTS=0 skips
# them and the end-to-end tests (CI runs both in stages of their own).
web_default=0
if (($# == 0)) && [[ "$PRESET" != asan ]]; then web_default=1; fi
WEB_TESTS="${WEB_TESTS:-$web_default}"
if [[ "$WEB_TESTS" == 1 ]]; then
  scripts/build-web.sh
  (cd web && npx vitest run)
fi

# The Go tests of exercises/: built offline against Debian's packaged libraries under
# /usr/share/gocode (GOPATH mode, no module download). Like the Node tests, they need no
# build and no database, so they run first. Once per pipeline: not in the asan run.
go_default=0
if (($# == 0)) && [[ "$PRESET" != asan ]]; then go_default=1; fi
if [[ "${GO_TESTS:-$go_default}" == 1 ]]; then
  mkdir -p "build/go-cache"
  for dir in exercises/*/; do
    compgen -G "$dir*_test.go" >/dev/null || continue
    (cd "$dir" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
      GOCACHE="$REPO_ROOT/build/go-cache" go test -count=1 .)
  done
fi

cmake --preset "$PRESET"
cmake --build --preset "$PRESET"

if [[ -n "${DATABASE_URL:-}" ]]; then
  TEST_DATABASE_URL="$DATABASE_URL"
else
  start_throwaway_db
fi
export TEST_DATABASE_URL

# --no-tests=error: a run that finds no tests (a broken preset, a typo in -R)
# must fail rather than pass silently.
ctest --preset "$PRESET" --output-on-failure --no-tests=error "$@"

# The web app end to end: the browser against this build of the service, its own throwaway
# database and the fake gateway (scripts/web-e2e.sh).
if [[ "$WEB_TESTS" == 1 ]]; then
  TIKET_BIN="build/$PRESET/tiket-api" DATABASE_URL="${DATABASE_URL:-}" scripts/web-e2e.sh
fi

