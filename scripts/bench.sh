#!/usr/bin/env bash
# Load benchmarks against a release build of tiket-api, on 127.0.0.1 only.
#
# Usage: scripts/bench.sh [SECTION...]        default: healthz
#   healthz   plain wrk against GET /healthz and against an nginx that answers
#             the same body, alternating rounds; reports tiket/nginx req/s
#   login     POST /api/auth/login with 32 concurrent clients: logins/s and peak memory
#   codes     tiket-bench-codes (bench/booking_codes.cpp) straight against the
#             database, no HTTP: committed bookings/s, latency, gaps and
#             duplicates for each way of taking the booking code's daily
#             number (ADR 0007). Needs neither wrk, nginx nor tiket-api.
#   catalog   cached GET /api/concerts?city=Jakarta against GET /healthz in
#             alternating rounds (goal: >= CATALOG_MIN_RATIO of healthz), and
#             how many list queries reached the DB meanwhile (from /metrics)
#   concert   GET /api/concerts/{id} with the cache off (a second tiket-api
#             with CATALOG_CACHE_TTL_MS=0) against the cached one and against
#             the same uncached read in Go (bench/go/concert, net/http): req/s,
#             p99, tiket/go (goal >= GO_TARGET_RATIO)
#   bookings  POST /api/bookings from BOOKING_CONNECTIONS (default 64) clients,
#             BOOKING_CUSTOMERS customers, one fresh Idempotency-Key each,
#             against a quota large enough never to sell out; then checks in
#             the DB that nothing was oversold and every code is unique
#   payments  a tiket-api pointed at the fake Midtrans gateway: booking → pay →
#             notify round trips/s against bookings alone (PAY_CLIENTS loops),
#             then the webhook with valid signed notifications at CONNECTIONS
#             clients against GET /healthz; checks one ticket and one settled
#             payment per paid booking
#   split     the cost of a service split (exercises/monolith-first): a
#             catalog lookup in process (CatalogService::get) against the same
#             lookup over loopback HTTP, cache on and off, with Google Benchmark
#             (tiket-bench-split, bench/split_call.cpp); reports Http/InProcess
#   replicas  two tiket-api replicas on one database behind an nginx load
#             balancer: req/s of the cached GET /api/concerts?city=Jakarta for
#             ROUNDS x DURATION, and each replica's list queries to the DB
#             (expected: about one per key per TTL per replica)
#   rush      the hot-concert sale (docs/adr/0018-hot-concert-rush.md): one
#             concert of 5,000 seats, RUSH_BUYERS customers arriving over
#             RUSH_SECONDS (half in the first 5 s), one booking of 1-4 seats
#             each (bench/go/rush); time to the last seat held,
#             peak bookings/s, p50/p99 per answer class, MariaDB commits/s, and
#             the invariants in SQL (no oversell, no gap, totals, per-user
#             limits), once per BOOKING_WRITE_MODE in RUSH_MODES
#   reports   the five admin reports on BENCH_BOOKINGS bookings loaded by
#             `tiket-api seed-load` (its rows/s reported) in a database of
#             their own: each endpoint's latency over HTTP; monthly-sales
#             three ways in process (naive, indexed, rollup; tiket-bench-reports,
#             bench/reports.cpp) with naive/rollup (goal >= REPORTS_MIN_RATIO
#             at 1M) and naive/indexed, FAIL unless all three agree exactly;
#             the EXPLAIN of every variant and every endpoint's SQL; an
#             incremental rollup-sales after ROLLUP_CHANGES new bookings
#             against a full rebuild (ADR 0015)
#   all       every section above, in the order healthz login catalog
#             concert bookings payments codes split replicas rush reports
#
# Every HTTP figure is a ratio against a reference measured in the same run:
# on all cores, then (PER_CORE=1) again with the servers and the throwaway DB
# pinned to SERVER_CPU and wrk to WRK_CPU (taskset), because with everything on
# every core the ratio mostly measures who starves whom.
#
# Layout: scripts/bench/<section>.sh defines bench_<section> (with its Lua and
# SQL next to it); scripts/lib/ holds the shared parts (processes, MariaDB,
# tiket-api, nginx, wrk, cores, reports, free port). A new section is a file
# in scripts/bench/ and a name in SECTIONS below.
#
# Environment:
#   ROUNDS        rounds per target (default 3); targets alternate inside a
#                 round (nginx, tiket, nginx, tiket, ...) so that noise from
#                 other tenants of this shared machine hits both alike. The
#                 codes section runs every strategy once per round too.
#   DURATION      wrk duration per round (default 10s)
#   WARMUP        wrk warm-up per target before the rounds (default 2s; 0 = none)
#   CONNECTIONS   wrk connections (default 64)
#   THREADS       wrk threads (default 2)
#   MIN_RATIO     required tiket/nginx ratio of median req/s (default 0.6);
#                 below it the run FAILs and the script exits 1
#   TARGET_RATIO  the goal we report against (default 0.85); informational
#   BENCH_OUT     where reports go (default build/bench); one file per section
#                 and run: <section>-<UTC timestamp>.txt with raw wrk output
#   DATABASE_URL  use this server; when unset a throwaway private MariaDB is
#                 started in the temp dir on a free port and removed on exit
#   TIKET_BIN     benchmark this binary instead of building the release preset
#                 (e.g. a snapshot build while src/ is being edited)
#   HTTP_THREADS, WORKER_THREADS  passed through to tiket-api unchanged
#   BENCH_LOG_LEVEL  tiket-api LOG_LEVEL (default info). The requirement is
#                 measured with the access log ON; change it only for A/B runs.
#   CODES_THREADS, CODES_SECONDS, CODES_ROLLBACK_PCT, CODES_READS_BEFORE
#                 the codes section's THREADS (default 16), SECONDS per
#                 strategy and round (default 5), ROLLBACK_PCT (default 10) and
#                 READS_BEFORE (default 0) for tiket-bench-codes; named apart
#                 from THREADS above, which is wrk's, and from bash's SECONDS
#   CATALOG_MIN_RATIO  required concerts/healthz ratio for the catalog
#                 section (default 0.7)
#   BOOKING_CONNECTIONS, BOOKING_CUSTOMERS  the bookings section's wrk
#                 connections (default 64) and customers (default 32)
#   PAY_CLIENTS, PAY_SECONDS  the payments section's round-trip loops
#                 (default 16) and seconds per round (default 10)
#   RUSH_SEATS        the rush concert's seats (default 5000: 80% Festival, 18% Tribune,
#                     2% VIP with a per-user limit of 2); raise it to measure how many
#                     bookings/s a mode sustains rather than how fast 5,000 seats go
#   RUSH_ENV      NAME=VALUE words added to every rush mode's tiket-api
#                 environment, e.g. "BOOKING_MAX_IN_FLIGHT=4 WORKER_THREADS=32"
#   RUSH_BUYERS, RUSH_SECONDS  the rush section's customers (default 100000)
#                 and arrival window (default 60)
#   RUSH_SOCKETS, RUSH_MAX_RETRIES  its keep-alive connections (default 256)
#                 and retries of a 503 with Retry-After per buyer (default 10)
#   RUSH_MODES    the modes to run in turn (default "single shortcut batched";
#                 see scripts/bench/rush.sh); RUSH_CALIBRATE=1 (default) first runs
#                 the driver against an instant stand-in; RUSH_SEED (13)
#   PER_CORE      1 (default): the HTTP sections also run pinned, one core for
#                 the servers, one for wrk; 0: all cores only
#   SERVER_CPU, WRK_CPU  the cores for the per-core rounds (default 0 and 1)
#   GO_TARGET_RATIO  the concert section's tiket/go goal (default 1.5);
#                 informational
#   DB_POOL_SIZE  passed to tiket-api and used as the Go server's pool size
#                 (default 8, tiket-api's default)
#   CODES_BIN     run this tiket-bench-codes instead of building the release
#                 preset's build/release/tiket-bench-codes
#   BENCH_BOOKINGS  bookings the reports section loads (default 1000000; the
#                 load takes about a minute, 650 MB of tables); BENCH_MONTHS
#                 the months they spread over (default 24)
#   REPORT_REQUESTS  sequential requests per report endpoint (default 10)
#   REPORTS_MIN_RATIO  required naive/rollup ratio of monthly-sales at 1M
#                 bookings or more (default 20); below 1M it is informational
#   ROLLUP_CHANGES  new bookings before the incremental rollup (default 1000)
#   ROLLUP_OVERLAP_S  REPORTS_ROLLUP_OVERLAP_S of the reports section's server
#                 (default 5; the service's default of 600 would make the
#                 incremental run re-read a load written minutes before)
#   REPORTS_BUFFER_POOL_MB  InnoDB buffer pool the reports section sets on the
#                 throwaway server (default 1536), so the loaded tables fit
# Relative paths (BENCH_OUT, TIKET_BIN, CODES_BIN) are taken from the
# repository root.
#
# Disk: the access log is kept in the temp dir (TMPDIR) until exit, about
# 0.35 KB per request: roughly 1-2 GB for a default healthz run (all cores and
# per core).
#
# Exit status: 0 all sections PASS, 1 a section FAILed (ratio below MIN_RATIO,
# or wrk saw errors / non-2xx answers, or codes found a gap in a strategy that
# must be gapless or a duplicate number), 2 usage error, other = setup failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SECTIONS=(healthz login catalog concert bookings payments codes split replicas rush reports) # order used by `all`

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
MIN_RATIO="${MIN_RATIO:-0.6}"
TARGET_RATIO="${TARGET_RATIO:-0.85}"
BENCH_OUT="${BENCH_OUT:-build/bench}"
BENCH_LOG_LEVEL="${BENCH_LOG_LEVEL:-info}"
TIKET_BIN="${TIKET_BIN:-}"
CODES_THREADS="${CODES_THREADS:-16}"
CODES_SECONDS="${CODES_SECONDS:-5}"
CODES_ROLLBACK_PCT="${CODES_ROLLBACK_PCT:-10}"
CODES_READS_BEFORE="${CODES_READS_BEFORE:-0}"
CODES_BIN="${CODES_BIN:-}"
CATALOG_MIN_RATIO="${CATALOG_MIN_RATIO:-0.7}"
GO_TARGET_RATIO="${GO_TARGET_RATIO:-1.5}"
BOOKING_CONNECTIONS="${BOOKING_CONNECTIONS:-64}"
BOOKING_CUSTOMERS="${BOOKING_CUSTOMERS:-32}"
PER_CORE="${PER_CORE:-1}"
SERVER_CPU="${SERVER_CPU:-0}"
WRK_CPU="${WRK_CPU:-1}"

tmp_dir="" # everything this run writes outside BENCH_OUT; removed on exit
FAILED=()  # sections that FAILed (a list, not a return code: `if ! f` would switch off set -e in f)

# The shared parts, then one file per section (each defines bench_<section>).
# shellcheck source=scripts/lib/common.sh
source "$REPO_ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/free-port.sh
source "$REPO_ROOT/scripts/lib/free-port.sh"
# shellcheck source=scripts/lib/mariadb.sh
source "$REPO_ROOT/scripts/lib/mariadb.sh"
# shellcheck source=scripts/lib/tiket-server.sh
source "$REPO_ROOT/scripts/lib/tiket-server.sh"
# shellcheck source=scripts/lib/nginx.sh
source "$REPO_ROOT/scripts/lib/nginx.sh"
# shellcheck source=scripts/lib/wrk.sh
source "$REPO_ROOT/scripts/lib/wrk.sh"
# shellcheck source=scripts/lib/cores.sh
source "$REPO_ROOT/scripts/lib/cores.sh"
# shellcheck source=scripts/lib/report.sh
source "$REPO_ROOT/scripts/lib/report.sh"
# shellcheck source=scripts/bench/healthz.sh
source "$REPO_ROOT/scripts/bench/healthz.sh"
# shellcheck source=scripts/bench/login.sh
source "$REPO_ROOT/scripts/bench/login.sh"
# shellcheck source=scripts/bench/catalog.sh
source "$REPO_ROOT/scripts/bench/catalog.sh"
# shellcheck source=scripts/bench/concert.sh
source "$REPO_ROOT/scripts/bench/concert.sh"
# shellcheck source=scripts/bench/bookings.sh
source "$REPO_ROOT/scripts/bench/bookings.sh"
# shellcheck source=scripts/bench/payments.sh
source "$REPO_ROOT/scripts/bench/payments.sh"
# shellcheck source=scripts/bench/codes.sh
source "$REPO_ROOT/scripts/bench/codes.sh"
# shellcheck source=scripts/bench/split.sh
source "$REPO_ROOT/scripts/bench/split.sh"
# shellcheck source=scripts/bench/replicas.sh
source "$REPO_ROOT/scripts/bench/replicas.sh"
# shellcheck source=scripts/bench/rush.sh
source "$REPO_ROOT/scripts/bench/rush.sh"
# shellcheck source=scripts/bench/reports.sh
source "$REPO_ROOT/scripts/bench/reports.sh"

# Ctrl-C / SIGTERM go through the EXIT trap too. Long waits (wrk, start-up)
# are done with `wait` on a background child, so the trap runs at once
# instead of after the child finishes.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

# Validates the knobs before the (slow) build, so a typo fails in a second.
check_settings() {
  [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || usage_error "ROUNDS must be a positive integer, got '$ROUNDS'"
  [[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || usage_error "CONNECTIONS must be a positive integer"
  [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || usage_error "THREADS must be a positive integer"
  ((CONNECTIONS >= THREADS)) || usage_error "CONNECTIONS must be >= THREADS (wrk requires it)"
  # wrk accepts a number with an optional s/m/h suffix. The cap keeps a typo
  # (DURATION=10m) from holding a shared machine for hours.
  local d
  for d in "$DURATION" "$WARMUP"; do
    [[ "$d" =~ ^[0-9]+[smh]?$ ]] || usage_error "durations look like 10s / 2m, got '$d'"
  done
  local secs="${DURATION%[smh]}"
  case "$DURATION" in *m) secs=$((secs * 60)) ;; *h) secs=$((secs * 3600)) ;; esac
  ((secs >= 1 && secs <= 300)) || usage_error "DURATION must be 1s..300s, got '$DURATION'"
  awk -v a="$MIN_RATIO" -v b="$TARGET_RATIO" -v c="$GO_TARGET_RATIO" \
    'BEGIN { exit !(a + 0 > 0 && b + 0 > 0 && c + 0 > 0) }' ||
    usage_error "MIN_RATIO, TARGET_RATIO and GO_TARGET_RATIO must be positive numbers"
  # The same ranges tiket-bench-codes accepts.
  check_range CODES_THREADS "$CODES_THREADS" 1 256
  check_range CODES_SECONDS "$CODES_SECONDS" 1 600
  check_range CODES_ROLLBACK_PCT "$CODES_ROLLBACK_PCT" 0 100
  check_range CODES_READS_BEFORE "$CODES_READS_BEFORE" 0 100
  ((ROUNDS <= 20)) || usage_error "ROUNDS must be <= 20 (tiket-bench-codes' limit)"
  check_rush_settings
  check_reports_settings
  check_cores
}

setup_tools() {
  # install-deps.sh is a no-op when everything is present; the extra names
  # are the benchmark's own tools, which the build does not need (Go and its
  # MySQL driver for the concert section's reference server).
  # Setup chatter goes to stderr: stdout carries only the summaries.
  scripts/install-deps.sh wrk nginx-light golang-go golang-github-go-sql-driver-mysql-dev >&2
  # nginx lives in /usr/sbin, which a non-root PATH often lacks.
  PATH="$PATH:/usr/sbin"
  local tool
  for tool in wrk nginx go taskset; do
    command -v "$tool" >/dev/null || die "$tool not found after install-deps"
  done
}

# ---------------------------------------------------------------- main

main() {
  local -a chosen=()
  local arg s
  if (($# == 0)); then set -- healthz; fi
  for arg in "$@"; do
    case "$arg" in
      -h | --help)
        usage
        exit 0
        ;;
      all) chosen+=("${SECTIONS[@]}") ;;
      *)
        if ! declare -F "bench_$arg" >/dev/null; then
          usage_error "unknown section '$arg' (sections: ${SECTIONS[*]}, all)"
        fi
        chosen+=("$arg")
        ;;
    esac
  done
  check_settings

  # wrk, nginx and tiket-api only for the sections that serve HTTP.
  local http=0 codes=0
  for s in "${chosen[@]}"; do
    if [[ "$s" == codes ]]; then codes=1; else http=1; fi
  done
  if ((http)); then
    setup_tools
    build
  fi
  if ((codes)); then build_codes; fi
  mkdir -p "$BENCH_OUT"

  for s in "${chosen[@]}"; do
    "bench_$s"
  done
  if ((${#FAILED[@]} > 0)); then
    log "FAIL: ${FAILED[*]}"
    exit 1
  fi
  log "PASS: ${chosen[*]}"
}

main "$@"
