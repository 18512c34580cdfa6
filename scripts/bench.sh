#!/usr/bin/env bash
# Load benchmarks against a release build of tiket-api, on 127.0.0.1 only.
#
# Usage: scripts/bench.sh [SECTION...]        default: healthz
#   healthz   plain wrk against GET /healthz and against an nginx that answers
#             the same body, alternating rounds; reports tiket/nginx req/s
#   login     POST /api/auth/login with 32 concurrent clients: logins/s and peak memory
#   all       every section below, in order
# (Later sections - login, bookings, catalog - are added as bench_<name>
# functions and listed in SECTIONS.)
#
# Environment:
#   ROUNDS        rounds per target (default 3); targets alternate inside a
#                 round (nginx, tiket, nginx, tiket, ...) so that noise from
#                 other tenants of this shared machine hits both alike
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
# Relative paths (BENCH_OUT, TIKET_BIN) are taken from the repository root.
#
# Disk: the access log is kept in the temp dir (TMPDIR) until exit, about
# 0.35 KB per request: roughly 0.5-1 GB for a default healthz run.
#
# Exit status: 0 all sections PASS, 1 a section FAILed (ratio below MIN_RATIO,
# or wrk saw errors / non-2xx answers), 2 usage error, other = setup failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SECTIONS=(healthz login) # order used by `all`

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
  stop_pid "$tiket_pid" tiket-api
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

# Starts tiket-api once (every section shares it) and waits for its
# "listening" line, which carries the port: PORT=0 lets the kernel pick a free
# one, so there is no race between choosing a port and binding it.
ensure_server() {
  [[ -z "$tiket_pid" ]] || return 0
  ensure_tmp_dir
  ensure_db
  tiket_log="$tmp_dir/tiket-api.log"
  # stdout (the JSON log, one access-log line per request at info) goes to a
  # file, as in production; a terminal or a pipe would measure something else.
  # SHUTDOWN_TIMEOUT_MS: a benchmark has nothing to drain, and wrk closing
  # its connections mid-request can leave the in-flight count above zero
  # (seen with Pistache 0.0.5), which would hold every cleanup for the full
  # default drain time.
  # LOCAL_DIR: the throwaway signing keys go to the temp dir, not the checkout.
  # The login limits are lifted: the login section measures hashing, not the limiter.
  PORT=0 HOST=127.0.0.1 APP_ENV=test LOG_LEVEL="$BENCH_LOG_LEVEL" SHUTDOWN_TIMEOUT_MS=2000 \
    LOCAL_DIR="$tmp_dir/app" RATE_LIMIT_LOGIN_IP=1000000/1 RATE_LIMIT_LOGIN_ACCOUNT=1000000/1 \
    "$TIKET_BIN" serve >"$tiket_log" 2>"$tmp_dir/tiket-api.err" &
  tiket_pid=$!
  local i line=""
  for ((i = 0; i < 600; i++)); do # 60 s: migrations run on start
    if ! kill -0 "$tiket_pid" 2>/dev/null; then
      tail -n 20 "$tiket_log" "$tmp_dir/tiket-api.err" >&2 || true
      tiket_pid=""
      die "tiket-api exited during start-up"
    fi
    line="$(grep -m1 '"msg":"listening"' "$tiket_log" || true)"
    [[ -z "$line" ]] || break
    sleep 0.1
  done
  [[ -n "$line" ]] || die "tiket-api did not log \"listening\" within 60 s"
  tiket_port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$line")"
  [[ -n "$tiket_port" && "$tiket_port" != 0 ]] || die "no port in: $line"
  log "tiket-api pid $tiket_pid on 127.0.0.1:$tiket_port (LOG_LEVEL=$BENCH_LOG_LEVEL," \
    "HTTP_THREADS=${HTTP_THREADS:-default})"
  check_keepalive "http://127.0.0.1:$tiket_port/healthz" tiket-api
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
    tail -n 20 "$tmp_dir/tiket-api.err" >&2 || true
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

  # The summary (everything before the raw output) on stdout.
  sed '/^----- raw wrk output -----$/,$d' "$report"
  printf 'report: %s\n\n' "$report"
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
  sed '/^----- raw wrk output -----$/,$d' "$report"
  printf 'report: %s\n\n' "$report"
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

  setup_tools
  build
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
