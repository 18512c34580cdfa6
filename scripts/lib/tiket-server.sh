# Sourced by bench.sh: building and starting tiket-api, the demo data, and /metrics samples.
# shellcheck shell=bash

tiket_pid=""
tiket_port=""
tiket_log=""
admin_token=""
declare -A PROCESS_LOG=() # pid -> log file, shown when the process dies mid-run

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
  track_pid "$pid" tiket-api
  PROCESS_LOG[$pid]="$log_file.err"
  printf -v "$pid_var" '%s' "$pid"
  local i line=""
  for ((i = 0; i < 600; i++)); do # 60 s: migrations run on start
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log_file" "$log_file.err" >&2 || true
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

# A server that died mid-run turns the next rounds into connection errors;
# stop with its log instead.
check_alive() {
  local entry pid
  for entry in "${CLEANUP_PIDS[@]}"; do
    pid="${entry%% *}"
    if ! kill -0 "$pid" 2>/dev/null; then
      [[ -z "${PROCESS_LOG[$pid]:-}" ]] || tail -n 20 "${PROCESS_LOG[$pid]}" >&2 || true
      die "${entry#* } (pid $pid) died during the benchmark"
    fi
  done
}

# wrk keeps connections open; a server that closes them after each answer
# (Pistache's keep-alive trap, docs/libraries.md) benchmarks connection set-up
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
