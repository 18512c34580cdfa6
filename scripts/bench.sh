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
#             with CATALOG_CACHE_TTL_MS=0) against the cached one: req/s, p99
#   bookings  POST /api/bookings from BOOKING_CONNECTIONS (default 64) clients,
#             BOOKING_CUSTOMERS customers, one fresh Idempotency-Key each,
#             against a quota large enough never to sell out; then checks in
#             the DB that nothing was oversold and every code is unique
#   all       every section below, in order
# (New sections are bench_<name> functions listed in SECTIONS.)
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
#   CODES_BIN     run this tiket-bench-codes instead of building the release
#                 preset's build/release/tiket-bench-codes
# Relative paths (BENCH_OUT, TIKET_BIN, CODES_BIN) are taken from the
# repository root.
#
# Disk: the access log is kept in the temp dir (TMPDIR) until exit, about
# 0.35 KB per request: roughly 0.5-1 GB for a default healthz run.
#
# Exit status: 0 all sections PASS, 1 a section FAILed (ratio below MIN_RATIO,
# or wrk saw errors / non-2xx answers, or codes found a gap in a strategy that
# must be gapless or a duplicate number), 2 usage error, other = setup failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SECTIONS=(healthz login catalog concert bookings codes) # order used by `all`

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
BOOKING_CONNECTIONS="${BOOKING_CONNECTIONS:-64}"
BOOKING_CUSTOMERS="${BOOKING_CUSTOMERS:-32}"

# State for cleanup: everything this script started, so it (and only it) is
# stopped again however we leave.
tmp_dir=""
started_db=0
tiket_pid=""
tiket_port=""
tiket_log=""
nginx_pid=""
nginx_port=""
wrk_pid=""
codes_pid=""
uncached_pid=""
uncached_port=""
admin_token=""

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 3
}

usage_error() {
  printf 'bench: %s\n' "$*" >&2
  exit 2
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

# ---------------------------------------------------------------- cleanup

# Stops a child we started: SIGTERM, a bounded wait, then SIGKILL. Only the
# pid we recorded is signalled, never anything found by name.
stop_pid() {
  local pid="$1" name="$2" i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do # up to 10 s: tiket-api drains in-flight requests
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Runs from the EXIT trap only; shellcheck cannot see that.
# shellcheck disable=SC2317
cleanup() {
  local rc=$?
  # Finish the cleanup even if another Ctrl-C / SIGTERM arrives meanwhile;
  # every step below is bounded.
  trap '' INT TERM
  stop_pid "$wrk_pid" wrk
  stop_pid "$codes_pid" tiket-bench-codes
  stop_pid "$tiket_pid" tiket-api
  stop_pid "$uncached_pid" "tiket-api (cache off)"
  stop_pid "$nginx_pid" nginx
  if ((started_db)); then
    LOCAL_DIR="$tmp_dir" scripts/db.sh stop >/dev/null || rc=1
  fi
  if [[ -n "$tmp_dir" ]]; then
    rm -rf -- "$tmp_dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
# Ctrl-C / SIGTERM go through the EXIT trap too. Long waits (wrk, start-up)
# are done with `wait` on a background child, so the trap runs at once
# instead of after the child finishes.
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers

# shellcheck source=scripts/lib/free-port.sh
source "$REPO_ROOT/scripts/lib/free-port.sh"

ensure_tmp_dir() {
  if [[ -z "$tmp_dir" ]]; then
    tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/tiket-bench.XXXXXX")"
  fi
}

# Median of the numbers given as arguments (mean of the middle two when even).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "nan"; exit }
          if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
          else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
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
  awk -v a="$MIN_RATIO" -v b="$TARGET_RATIO" 'BEGIN { exit !(a + 0 > 0 && b + 0 > 0) }' ||
    usage_error "MIN_RATIO and TARGET_RATIO must be positive numbers"
  # The same ranges tiket-bench-codes accepts.
  check_range CODES_THREADS "$CODES_THREADS" 1 256
  check_range CODES_SECONDS "$CODES_SECONDS" 1 600
  check_range CODES_ROLLBACK_PCT "$CODES_ROLLBACK_PCT" 0 100
  check_range CODES_READS_BEFORE "$CODES_READS_BEFORE" 0 100
  ((ROUNDS <= 20)) || usage_error "ROUNDS must be <= 20 (tiket-bench-codes' limit)"
}

# check_range NAME VALUE MIN MAX: VALUE is a decimal whole number in MIN..MAX
# (no leading zero, which bash arithmetic would read as octal).
check_range() {
  if ! [[ "$2" =~ ^(0|[1-9][0-9]{0,5})$ ]] || (($2 < $3 || $2 > $4)); then
    usage_error "$1 must be a whole number in $3..$4, got '$2'"
  fi
}

# ---------------------------------------------------------------- setup

setup_tools() {
  # install-deps.sh is a no-op when everything is present; the extra names
  # are the benchmark's own tools, which the build does not need.
  # Setup chatter goes to stderr: stdout carries only the summaries.
  scripts/install-deps.sh wrk nginx-light >&2
  # nginx lives in /usr/sbin, which a non-root PATH often lacks.
  PATH="$PATH:/usr/sbin"
  command -v wrk >/dev/null || die "wrk not found after install-deps"
  command -v nginx >/dev/null || die "nginx not found after install-deps"
}

build() {
  if [[ -n "$TIKET_BIN" ]]; then
    [[ -x "$TIKET_BIN" ]] || die "TIKET_BIN=$TIKET_BIN is not executable"
    log "using prebuilt $TIKET_BIN (TIKET_BIN set; not building)"
    return 0
  fi
  # The release preset is RelWithDebInfo: optimised as served, and symbols
  # stay in for profiling.
  cmake --preset release >&2
  cmake --build --preset release >&2
  TIKET_BIN="build/release/tiket-api"
}

# tiket-bench-codes alone: the codes section needs no tiket-api, so a src/
# that does not link into tiket-api yet does not stop it.
build_codes() {
  if [[ -n "$CODES_BIN" ]]; then
    [[ -x "$CODES_BIN" ]] || die "CODES_BIN=$CODES_BIN is not executable"
    log "using prebuilt $CODES_BIN (CODES_BIN set; not building)"
    return 0
  fi
  cmake --preset release >&2
  cmake --build --preset release --target tiket-bench-codes >&2
  CODES_BIN="build/release/tiket-bench-codes"
}

ensure_db() {
  [[ -z "${DATABASE_URL:-}" ]] || return 0
  ensure_tmp_dir
  # The port can be taken between the check and the server's bind; the data
  # directory is reusable, so just try another port (as test.sh does).
  local attempt port
  for attempt in 1 2 3; do
    port="$(free_port)"
    started_db=1 # from here on a half-started server must be stopped too
    if LOCAL_DIR="$tmp_dir" DB_PORT="$port" scripts/db.sh start >&2; then
      DATABASE_URL="$(LOCAL_DIR="$tmp_dir" scripts/db.sh url)"
      export DATABASE_URL
      return 0
    fi
    log "throwaway DB did not start on port $port (attempt $attempt)"
  done
  die "could not start the throwaway DB"
}

# start_tiket LOG PID_VAR PORT_VAR [NAME=VALUE...]: starts tiket-api with the
# bench environment (plus the extra variables), waits for its "listening"
# line and stores its pid and port in the named variables.
start_tiket() {
  local log_file="$1" pid_var="$2" port_var="$3"
  shift 3
  # stdout (the JSON log, one access-log line per request at info) goes to a
  # file, as in production; a terminal or a pipe would measure something else.
  # SHUTDOWN_TIMEOUT_MS: a benchmark has nothing to drain, and wrk closing
  # its connections mid-request can leave the in-flight count above zero
  # (seen with Pistache 0.0.5), which would hold every cleanup for the full
  # default drain time.
  # LOCAL_DIR: the throwaway signing keys go to the temp dir, not the checkout.
  # The login and register limits are lifted: the sections measure hashing
  # and bookings, not the limiter.
  env PORT=0 HOST=127.0.0.1 APP_ENV=test LOG_LEVEL="$BENCH_LOG_LEVEL" SHUTDOWN_TIMEOUT_MS=2000 \
    LOCAL_DIR="$tmp_dir/app" RATE_LIMIT_LOGIN_IP=1000000/1 RATE_LIMIT_LOGIN_ACCOUNT=1000000/1 \
    RATE_LIMIT_REGISTER_IP=1000000/1 "$@" \
    "$TIKET_BIN" serve >"$log_file" 2>"$log_file.err" &
  local pid=$!
  printf -v "$pid_var" '%s' "$pid"
  local i line=""
  for ((i = 0; i < 600; i++)); do # 60 s: migrations run on start
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log_file" "$log_file.err" >&2 || true
      printf -v "$pid_var" '%s' ""
      die "tiket-api exited during start-up"
    fi
    line="$(grep -m1 '"msg":"listening"' "$log_file" || true)"
    [[ -z "$line" ]] || break
    sleep 0.1
  done
  [[ -n "$line" ]] || die "tiket-api did not log \"listening\" within 60 s"
  local port
  port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$line")"
  [[ -n "$port" && "$port" != 0 ]] || die "no port in: $line"
  printf -v "$port_var" '%s' "$port"
  check_keepalive "http://127.0.0.1:$port/healthz" tiket-api
}

# Starts tiket-api once (every section shares it) and waits for its
# "listening" line, which carries the port: PORT=0 lets the kernel pick a free
# one, so there is no race between choosing a port and binding it.
ensure_server() {
  [[ -z "$tiket_pid" ]] || return 0
  ensure_tmp_dir
  ensure_db
  tiket_log="$tmp_dir/tiket-api.log"
  start_tiket "$tiket_log" tiket_pid tiket_port
  log "tiket-api pid $tiket_pid on 127.0.0.1:$tiket_port (LOG_LEVEL=$BENCH_LOG_LEVEL," \
    "HTTP_THREADS=${HTTP_THREADS:-default})"
}

# Starts nginx from the package with its own config, prefix, pid and temp
# dirs under the temp dir, so it never touches /etc/nginx or /var/lib/nginx.
# `daemon off` keeps the master as our child, so we own its pid.
ensure_nginx() {
  [[ -z "$nginx_pid" ]] || return 0
  ensure_tmp_dir
  local prefix="$tmp_dir/nginx" attempt
  mkdir -p "$prefix/logs" "$prefix/tmp"
  for attempt in 1 2 3; do
    nginx_port="$(free_port)"
    # The same answer as /healthz: 200, {"status":"ok"}, application/json.
    # access_log off: nginx is the "best case" reference; tiket keeps its own
    # log on, and that cost is part of what we measure.
    cat >"$prefix/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
EOF
    # -e: the error log before the config is read (the built-in default is
    # stderr here, but another build may point into /var/log).
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" &
    nginx_pid=$!
    local i
    for ((i = 0; i < 50; i++)); do
      if ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
      if curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/"; then
        log "nginx pid $nginx_pid on 127.0.0.1:$nginx_port"
        check_keepalive "http://127.0.0.1:$nginx_port/healthz" nginx
        return 0
      fi
      sleep 0.1
    done
    log "nginx did not come up on port $nginx_port (attempt $attempt):"
    tail -n 5 "$prefix/logs/error.log" >&2 || true
    stop_pid "$nginx_pid" nginx
    nginx_pid=""
  done
  die "could not start nginx"
}

# A server that died mid-run turns the next rounds into connection errors;
# stop with its log instead.
check_alive() {
  if [[ -n "$tiket_pid" ]] && ! kill -0 "$tiket_pid" 2>/dev/null; then
    tail -n 20 "$tiket_log.err" >&2 || true
    tiket_pid=""
    die "tiket-api died during the benchmark"
  fi
  if [[ -n "$nginx_pid" ]] && ! kill -0 "$nginx_pid" 2>/dev/null; then
    nginx_pid=""
    die "nginx died during the benchmark"
  fi
}

# wrk keeps connections open; a server that closes them after each answer
# (Pistache's keep-alive trap, LIBRARIES.md) benchmarks connection set-up
# instead. Two requests on one curl command line must share the connection.
check_keepalive() {
  local url="$1" name="$2" trace
  trace="$(curl -sv -o /dev/null -o /dev/null "$url" "$url" 2>&1)" ||
    die "$name: $url does not answer"
  if ! grep -qiE 're-?using existing connection' <<<"$trace"; then
    log "WARNING: $name closed the connection after one request (keep-alive broken);" \
      "its req/s measures connection set-up"
  fi
}

# ---------------------------------------------------------------- wrk

# Runs wrk in the background and waits, so Ctrl-C is handled at once.
# Output goes to $2; wrk's own exit status fails the run.
run_wrk() {
  local url="$1" out="$2" duration="$3"
  wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$duration" "$url" >"$out" 2>&1 &
  wrk_pid=$!
  if ! wait "$wrk_pid"; then
    wrk_pid=""
    cat "$out" >&2
    die "wrk failed against $url"
  fi
  wrk_pid=""
}

# Reads a wrk --latency report and prints: req/s p50 p90 p99 errors, with the
# latencies in ms. errors = non-2xx/3xx answers + socket errors (connect,
# read, write, timeout).
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return v * 0.001
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000
      if (v ~ /h$/) return v * 3600000
      if (v ~ /s$/) return v * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +90%/ { p90 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    END {
      if (rps == "") { print "missing"; exit 1 }
      printf "%.2f %.3f %.3f %.3f %d\n", rps, p50, p90, p99, err
    }' "$1"
}

# Benchmarks several targets in alternating rounds, then prints one table
# row per target. Arguments: a report file, then name=url pairs. Sets
# BENCH_MEDIAN[name] and BENCH_ERRORS[name] for the caller.
declare -A BENCH_MEDIAN=() BENCH_ERRORS=()
compare_targets() {
  local report="$1"
  shift
  local -a names=() urls=()
  local pair
  for pair in "$@"; do
    names+=("${pair%%=*}")
    urls+=("${pair#*=}")
  done

  local i r name out
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    for i in "${!names[@]}"; do
      log "warm-up ${names[i]} ($WARMUP)"
      run_wrk "${urls[i]}" "$tmp_dir/warmup-${names[i]}.txt" "$WARMUP"
    done
  fi

  declare -A rps=() p50=() p90=() p99=() errs=()
  for ((r = 1; r <= ROUNDS; r++)); do
    for i in "${!names[@]}"; do
      name="${names[i]}"
      out="$tmp_dir/wrk-$name-$r.txt"
      log "round $r/$ROUNDS: $name ($DURATION, $CONNECTIONS connections, $THREADS threads)"
      run_wrk "${urls[i]}" "$out" "$DURATION"
      check_alive
      {
        printf '\n===== round %d: %s  %s =====\n' "$r" "$name" "${urls[i]}"
        cat "$out"
      } >>"$report.raw"
      local fields
      fields="$(parse_wrk "$out")" || die "could not parse wrk output $out"
      local f_rps f_p50 f_p90 f_p99 f_err
      read -r f_rps f_p50 f_p90 f_p99 f_err <<<"$fields"
      rps[$name]+="$f_rps "
      p50[$name]+="$f_p50 "
      p90[$name]+="$f_p90 "
      p99[$name]+="$f_p99 "
      errs[$name]=$((${errs[$name]:-0} + f_err))
      log "  $name: $f_rps req/s, p50 ${f_p50} ms, p99 ${f_p99} ms, errors $f_err"
    done
  done

  # Table: every round's req/s, the median, and median-of-rounds latencies.
  {
    printf '%-8s' target
    for ((r = 1; r <= ROUNDS; r++)); do printf ' %10s' "r$r req/s"; done
    printf ' %12s %9s %9s %9s %7s\n' "median" "p50 ms" "p90 ms" "p99 ms" errors
    for name in "${names[@]}"; do
      local -a v
      read -r -a v <<<"${rps[$name]}"
      printf '%-8s' "$name"
      for ((r = 0; r < ROUNDS; r++)); do printf ' %10.0f' "${v[r]}"; done
      BENCH_MEDIAN[$name]="$(median "${v[@]}")"
      BENCH_ERRORS[$name]="${errs[$name]}"
      local m50 m90 m99
      read -r -a v <<<"${p50[$name]}"
      m50="$(median "${v[@]}")"
      read -r -a v <<<"${p90[$name]}"
      m90="$(median "${v[@]}")"
      read -r -a v <<<"${p99[$name]}"
      m99="$(median "${v[@]}")"
      printf ' %12.0f %9s %9s %9s %7s\n' "${BENCH_MEDIAN[$name]}" "$m50" "$m90" "$m99" \
        "${errs[$name]}"
    done
  } >>"$report"
}

# The summary of a report (everything before the raw wrk output) on stdout, and its path.
print_summary() {
  sed '/^----- raw wrk output -----$/,$d' "$1"
  printf 'report: %s\n\n' "$1"
}

# Header of every report: enough context to compare runs on a shared machine.
report_header() {
  local report="$1" title="$2" commit dirty=""
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ -n "$(git status --porcelain -- src 2>/dev/null)" ]]; then dirty=" (src/ has uncommitted changes)"; fi
  {
    printf '%s\n' "$title"
    printf 'date        %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'commit      %s%s\n' "$commit" "$dirty"
    printf 'binary      %s\n' "$TIKET_BIN"
    printf 'machine     %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'wrk         %s threads, %s connections, %s per round, %s rounds, warm-up %s\n' \
      "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$WARMUP"
    printf 'tiket-api   APP_ENV=test LOG_LEVEL=%s HTTP_THREADS=%s WORKER_THREADS=%s\n' \
      "$BENCH_LOG_LEVEL" "${HTTP_THREADS:-default}" "${WORKER_THREADS:-default}"
    printf '\n'
  } >"$report"
}

# ---------------------------------------------------------------- sections
# One function per section: bench_<name>. Each writes
# $BENCH_OUT/<name>-<timestamp>.txt (summary first, raw wrk output after it),
# prints the summary, and appends its name to FAILED on FAIL. (A verdict
# variable, not a return code: calling a function as `if ! f` or `f || ...`
# would switch off `set -e` for everything inside it.)
FAILED=()

bench_healthz() {
  ensure_server
  ensure_nginx
  local report
  report="$BENCH_OUT/healthz-$(date -u +%Y%m%dT%H%M%SZ).txt"
  report_header "$report" \
    "healthz: plain wrk, GET /healthz on tiket-api vs the same answer from nginx (access log off)"
  rm -f -- "$report.raw"

  # Count the access-log lines against the requests wrk completed (warm-up
  # included), to show the log really was on while we measured.
  local before after
  before="$(grep -c '"msg":"request"' "$tiket_log" || true)"
  compare_targets "$report" \
    "nginx=http://127.0.0.1:$nginx_port/healthz" \
    "tiket=http://127.0.0.1:$tiket_port/healthz"
  after="$(grep -c '"msg":"request"' "$tiket_log" || true)"

  local ratio verdict
  ratio="$(awk -v t="${BENCH_MEDIAN[tiket]}" -v n="${BENCH_MEDIAN[nginx]}" \
    'BEGIN { printf "%.3f", (n > 0 ? t / n : 0) }')"
  if awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN { exit !(r >= m) }'; then
    verdict=PASS
  else
    verdict=FAIL
  fi
  # A fast error path is not a pass: any failed request invalidates the run.
  if ((BENCH_ERRORS[tiket] > 0 || BENCH_ERRORS[nginx] > 0)); then
    verdict="FAIL (wrk reported errors or non-2xx answers)"
  fi
  if [[ "$verdict" != PASS ]]; then FAILED+=(healthz); fi
  local target_note="met"
  if ! awk -v r="$ratio" -v m="$TARGET_RATIO" 'BEGIN { exit !(r >= m) }'; then
    target_note="not met"
  fi
  {
    printf '\nratio tiket/nginx (median req/s): %s  required >= %s: %s\n' \
      "$ratio" "$MIN_RATIO" "$verdict"
    printf 'target >= %s: %s\n' "$TARGET_RATIO" "$target_note"
    printf 'access log: %s lines written by tiket-api for %s requests wrk completed\n' \
      "$((after - before))" "$(cat "$tmp_dir"/warmup-tiket.txt "$tmp_dir"/wrk-tiket-*.txt 2>/dev/null |
        awk '/ requests in / { n += $1 } END { print n + 0 }')"
    printf '\n----- raw wrk output -----\n'
    cat "$report.raw"
  } >>"$report"
  rm -f -- "$report.raw"

  print_summary "$report"
}

# POST /api/auth/login under LOGIN_CONNECTIONS (default 32) concurrent clients, all with the
# right password: every request runs one argon2id verification (64 MiB, ~60 ms). Reports
# logins/s, latency, and the process's resident memory before and at its peak (VmHWM): the
# hashing cap (AUTH_HASH_CONCURRENCY, default 2) is what keeps the peak near
# baseline + cap x 64 MiB instead of 32 x 64 MiB.
bench_login() {
  ensure_server
  local report base="http://127.0.0.1:$tiket_port" email="bench-login@example.com"
  local password="bench-login-password-1" conns="${LOGIN_CONNECTIONS:-32}"
  report="$BENCH_OUT/login-$(date -u +%Y%m%dT%H%M%SZ).txt"
  report_header "$report" "login: POST /api/auth/login, $conns concurrent clients, right password"

  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Bench\"}" \
    "$base/api/auth/register" || log "register: user exists already"
  local lua="$tmp_dir/login.lua"
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$email","password":"$password"}'
LUA
  local rss_before hwm_after
  rss_before="$(awk '/^VmRSS/ { print $2 }' "/proc/$tiket_pid/status")"
  local out="$tmp_dir/wrk-login.txt"
  wrk -t "$THREADS" -c "$conns" -d "$DURATION" --latency -s "$lua" "$base/api/auth/login" >"$out"
  hwm_after="$(awk '/^VmHWM/ { print $2 }' "/proc/$tiket_pid/status")"
  local rps p50 p99 non2xx errors
  rps="$(awk '/^Requests\/sec/ { print $2 }' "$out")"
  p50="$(awk '$1 == "50%" { print $2 }' "$out")"
  p99="$(awk '$1 == "99%" { print $2 }' "$out")"
  non2xx="$(awk '/Non-2xx/ { print $NF }' "$out")"
  errors="$(awk '/Socket errors/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n }' "$out")"
  {
    printf '\n%-28s %s\n' "logins/s" "$rps"
    printf '%-28s %s / %s\n' "latency p50 / p99" "$p50" "$p99"
    printf '%-28s %s\n' "non-2xx / socket errors" "${non2xx:-0} / ${errors:-0}"
    printf '%-28s %s MiB\n' "RSS before" "$((rss_before / 1024))"
    printf '%-28s %s MiB\n' "peak RSS (VmHWM) after" "$((hwm_after / 1024))"
    printf '%-28s %s\n' "AUTH_HASH_CONCURRENCY" "${AUTH_HASH_CONCURRENCY:-2 (default)}"
    printf '\n----- raw wrk output -----\n'
    cat "$out"
  } >>"$report"
  if [[ -n "$non2xx" && "$non2xx" != 0 ]]; then FAILED+=(login); fi
  print_summary "$report"
}

# Booking-code strategies under CODES_THREADS concurrent transactions, straight
# against the bench database (scratch tables bench_codes_*, dropped at the end;
# after a kill they are dropped and recreated by the next run). Exit 1 from the
# program means a strategy that must be gapless left gaps, or a number was
# handed out twice: that FAILs the section.
bench_codes() {
  ensure_tmp_dir
  ensure_db
  local report out="$tmp_dir/codes.txt" rc=0
  report="$BENCH_OUT/codes-$(date -u +%Y%m%dT%H%M%SZ).txt"
  {
    printf 'codes: booking-code strategies, tiket-bench-codes straight against the database\n'
    printf 'date        %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'commit      %s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf 'binary      %s\n' "$CODES_BIN"
    printf 'machine     %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'settings    THREADS=%s SECONDS=%s ROUNDS=%s ROLLBACK_PCT=%s READS_BEFORE=%s\n\n' \
      "$CODES_THREADS" "$CODES_SECONDS" "$ROUNDS" "$CODES_ROLLBACK_PCT" "$CODES_READS_BEFORE"
  } >"$report"
  log "codes: 5 strategies x ${CODES_SECONDS}s x $ROUNDS rounds, $CODES_THREADS threads"
  # env(1), not a prefix assignment: SECONDS is special to bash.
  env THREADS="$CODES_THREADS" SECONDS="$CODES_SECONDS" ROUNDS="$ROUNDS" \
    ROLLBACK_PCT="$CODES_ROLLBACK_PCT" READS_BEFORE="$CODES_READS_BEFORE" \
    "$CODES_BIN" >"$out" &
  codes_pid=$!
  wait "$codes_pid" || rc=$?
  codes_pid=""
  cat "$out" >>"$report"
  case "$rc" in
    0) ;;
    1) FAILED+=(codes) ;;
    *)
      cat "$report" >&2
      die "tiket-bench-codes failed (exit $rc)"
      ;;
  esac
  cat "$report"
  printf 'report: %s\n\n' "$report"
}

# ---------------------------------------------------------------- catalog and bookings

# db_query SQL: runs one statement on the bench database (DATABASE_URL) with the mysql client
# and prints the result without headers.
db_query() {
  local rest="${DATABASE_URL#mysql://}" creds host_port db user pass host port
  creds="${rest%%@*}"
  rest="${rest#*@}"
  host_port="${rest%%/*}"
  db="${rest#*/}"
  db="${db%%\?*}"
  user="${creds%%:*}"
  pass=""
  [[ "$creds" != *:* ]] || pass="${creds#*:}"
  host="${host_port%%:*}"
  port="3306"
  [[ "$host_port" != *:* ]] || port="${host_port##*:}"
  MYSQL_PWD="$pass" mysql --protocol=TCP -h "$host" -P "$port" -u "$user" -N -B "$db" -e "$1"
}

# One sample from the server's /metrics ($1 = base URL, $2 = series with labels); 0 if absent.
metric_value() {
  curl -fsS "$1/metrics" | awk -v s="$2" '$1 == s { v = $2 } END { print v + 0 }'
}

# The demo data (seed-demo: users admin@/organizer@/customer@tiket.test and concerts in four
# cities) plus an admin token for the sections that write.
ensure_demo() {
  [[ -z "$admin_token" ]] || return 0
  ensure_server
  env APP_ENV=test LOCAL_DIR="$tmp_dir/app" DEMO_PASSWORD=bench-demo-password \
    "$TIKET_BIN" seed-demo >"$tmp_dir/seed.log" 2>&1 || {
    cat "$tmp_dir/seed.log" >&2
    die "seed-demo failed"
  }
  admin_token="$(curl -fsS -H 'Content-Type: application/json' \
    -d '{"email":"admin@tiket.test","password":"bench-demo-password"}' \
    "http://127.0.0.1:$tiket_port/api/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
  [[ -n "$admin_token" ]] || die "could not log in as the demo admin"
}

# json_field NAME: the first numeric "NAME": value in the JSON on stdin.
json_field() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" | head -n 1; }

# Cached GET /api/concerts?city=Jakarta against /healthz, alternating rounds.
bench_catalog() {
  ensure_demo
  local report base="http://127.0.0.1:$tiket_port" series='tiket_catalog_db_queries_total{query="list"}'
  report="$BENCH_OUT/catalog-$(date -u +%Y%m%dT%H%M%SZ).txt"
  report_header "$report" \
    "catalog: cached GET /api/concerts?city=Jakarta vs GET /healthz (CATALOG_CACHE_TTL_MS default 2000)"
  rm -f -- "$report.raw"
  local q0 q1 t0 t1
  q0="$(metric_value "$base" "$series")"
  t0="$(date +%s)"
  compare_targets "$report" "healthz=$base/healthz" "concerts=$base/api/concerts?city=Jakarta"
  t1="$(date +%s)"
  q1="$(metric_value "$base" "$series")"
  local ratio verdict=PASS
  ratio="$(awk -v c="${BENCH_MEDIAN[concerts]}" -v h="${BENCH_MEDIAN[healthz]}" \
    'BEGIN { printf "%.3f", (h > 0 ? c / h : 0) }')"
  awk -v r="$ratio" -v m="$CATALOG_MIN_RATIO" 'BEGIN { exit !(r >= m) }' || verdict=FAIL
  if ((BENCH_ERRORS[concerts] > 0 || BENCH_ERRORS[healthz] > 0)); then
    verdict="FAIL (wrk reported errors or non-2xx answers)"
  fi
  if [[ "$verdict" != PASS ]]; then FAILED+=(catalog); fi
  local requests
  # No warm-up file with WARMUP=0: cat's failure must not end the run (set -e, pipefail).
  requests="$({ cat "$tmp_dir"/warmup-concerts.txt "$tmp_dir"/wrk-concerts-*.txt 2>/dev/null ||
    true; } | awk '/ requests in / { n += $1 } END { print n + 0 }')"
  {
    printf '\nratio concerts/healthz (median req/s): %s  required >= %s: %s\n' \
      "$ratio" "$CATALOG_MIN_RATIO" "$verdict"
    printf 'list queries that reached the DB: %.0f for %s requests in %s s' \
      "$(awk -v a="$q0" -v b="$q1" 'BEGIN { print b - a }')" "$requests" "$((t1 - t0))"
    printf ' (one key, TTL 2 s: about %s expected)\n' "$(((t1 - t0) / 2))"
    printf '\n----- raw wrk output -----\n'
    cat "$report.raw"
  } >>"$report"
  rm -f -- "$report.raw"
  print_summary "$report"
}

# GET /api/concerts/{id}: cached (the shared server) against uncached (a second server with
# CATALOG_CACHE_TTL_MS=0 on the same database), alternating rounds.
bench_concert() {
  ensure_demo
  if [[ -z "$uncached_pid" ]]; then
    start_tiket "$tmp_dir/tiket-api-uncached.log" uncached_pid uncached_port CATALOG_CACHE_TTL_MS=0
    log "tiket-api (cache off) pid $uncached_pid on 127.0.0.1:$uncached_port"
  fi
  local id report
  id="$(curl -fsS "http://127.0.0.1:$tiket_port/api/concerts?city=Jakarta&limit=1" | json_field id)"
  [[ -n "$id" ]] || die "no Jakarta concert to read"
  report="$BENCH_OUT/concert-$(date -u +%Y%m%dT%H%M%SZ).txt"
  report_header "$report" "concert: GET /api/concerts/$id, cache on (TTL 2000 ms) vs off (TTL 0)"
  rm -f -- "$report.raw"
  compare_targets "$report" \
    "cached=http://127.0.0.1:$tiket_port/api/concerts/$id" \
    "uncached=http://127.0.0.1:$uncached_port/api/concerts/$id"
  if ((BENCH_ERRORS[cached] > 0 || BENCH_ERRORS[uncached] > 0)); then FAILED+=(concert); fi
  {
    printf '\nratio uncached/cached (median req/s): %s\n' "$(awk -v u="${BENCH_MEDIAN[uncached]}" \
      -v c="${BENCH_MEDIAN[cached]}" 'BEGIN { printf "%.3f", (c > 0 ? u / c : 0) }')"
    printf '\n----- raw wrk output -----\n'
    cat "$report.raw"
  } >>"$report"
  rm -f -- "$report.raw"
  print_summary "$report"
}

# POST /api/bookings under load, then a DB check that the stock adds up exactly.
bench_bookings() {
  ensure_demo
  local base="http://127.0.0.1:$tiket_port" report concert type starts i
  starts="$(date -u -d '+60 days' +%Y-%m-%dT20:00:00Z)"
  concert="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d "{\"title\":\"Bench Rush\",\"artist\":\"Bench\",\"venue\":\"GBK\",\"city\":\"Jakarta\",\"starts_at\":\"$starts\"}" \
    "$base/api/concerts" | json_field id)"
  [[ -n "$concert" ]] || die "could not create the bench concert"
  type="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d '{"name":"Festival","price":350000,"quota":1000000}' \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  [[ -n "$type" ]] || die "could not create the bench ticket type"
  curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $admin_token" -d '{"status":"published"}' "$base/api/concerts/$concert"

  log "bookings: registering $BOOKING_CUSTOMERS customers"
  local lua="$tmp_dir/bookings.lua" token tokens=""
  for ((i = 0; i < BOOKING_CUSTOMERS; i++)); do
    local email="bench-buyer-$i@example.com" password="bench-buyer-password-$i"
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Buyer $i\"}" \
      "$base/api/auth/register" || true
    token="$(curl -fsS -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/api/auth/login" |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    [[ -n "$token" ]] || die "could not log in $email"
    tokens+="\"$token\","
  done
  # Every request: the next customer in turn and a key never used before (thread id + count).
  cat >"$lua" <<LUA
local tokens = { ${tokens%,} }
local body = '{"concert_id":$concert,"items":[{"ticket_type_id":$type,"quantity":1}]}'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. n,
  }, body)
end
LUA
  report="$BENCH_OUT/bookings-$(date -u +%Y%m%dT%H%M%SZ).txt"
  report_header "$report" \
    "bookings: POST /api/bookings, $BOOKING_CONNECTIONS connections, $BOOKING_CUSTOMERS customers, quota 1000000"
  local out="$tmp_dir/wrk-bookings.txt"
  log "bookings: $DURATION with $BOOKING_CONNECTIONS connections"
  wrk -t "$THREADS" -c "$BOOKING_CONNECTIONS" -d "$DURATION" --latency -s "$lua" "$base/api/bookings" \
    >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || die "wrk failed: $(cat "$out")"
  wrk_pid=""
  check_alive
  local fields rps p50 p90 p99 errors total
  fields="$(parse_wrk "$out")" || die "could not parse wrk output"
  read -r rps p50 p90 p99 errors <<<"$fields"
  total="$(awk '/ requests in / { print $1 }' "$out")"

  # Zero oversell: seats gone from the stock = seats in live bookings = bookings made. wrk
  # stops without waiting for its last requests, so wait until the count stops moving, then
  # read everything in one statement (one snapshot).
  local quota available booked bookings codes verdict=PASS last="" now
  for ((i = 0; i < 50; i++)); do
    now="$(db_query "SELECT COUNT(*) FROM bookings WHERE concert_id = $concert")"
    [[ "$now" != "$last" ]] || break
    last="$now"
    sleep 0.5
  done
  read -r quota available booked bookings codes <<<"$(db_query "SELECT t.quota, t.available, \
(SELECT COALESCE(SUM(i.quantity), 0) FROM booking_items i JOIN bookings b ON b.id = i.booking_id \
WHERE i.ticket_type_id = t.id AND b.status IN ('pending_payment', 'paid')), \
(SELECT COUNT(*) FROM bookings WHERE concert_id = $concert), \
(SELECT COUNT(DISTINCT code) FROM bookings WHERE concert_id = $concert) \
FROM ticket_types t WHERE t.id = $type")"
  if ((quota - available != booked || available < 0 || codes != bookings || errors > 0)); then
    verdict=FAIL
    FAILED+=(bookings)
  fi
  {
    printf '%-34s %s\n' "bookings/s (wrk req/s)" "$rps"
    printf '%-34s %s / %s / %s ms\n' "latency p50 / p90 / p99" "$p50" "$p90" "$p99"
    printf '%-34s %s\n' "requests / non-2xx + socket errors" "$total / $errors"
    printf '%-34s %s\n' "bookings in the DB" "$bookings ($codes distinct codes)"
    printf '%-34s quota %s - available %s = %s; seats in live bookings %s\n' "stock check" \
      "$quota" "$available" "$((quota - available))" "$booked"
    printf '%-34s %s\n' "zero oversell, unique codes" "$verdict"
    printf '\n----- raw wrk output -----\n'
    cat "$out"
  } >>"$report"
  print_summary "$report"
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
