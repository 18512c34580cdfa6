# Sourced by bench.sh. concert: GET /api/concerts/{id} three ways on the same database and
# data, alternating rounds, on all cores and per core:
#   cached    the shared tiket-api (read cache on, TTL 2000 ms)
#   uncached  a second tiket-api with CATALOG_CACHE_TTL_MS=0: one query per request
#   go        the same read in a mainstream stack (bench/go/concert: net/http, database/sql,
#             go-sql-driver/mysql, the same LEFT JOIN, a pool of DB_POOL_SIZE, the same JSON)
# Reports uncached/cached and uncached/go (goal: >= GO_TARGET_RATIO, informational). The go
# server's answer must be byte-for-byte tiket's, or the section fails.
# shellcheck shell=bash

uncached_pid=""
uncached_port=""

# build_go PROGRAM OUT: builds bench/go/PROGRAM offline against Debian's packaged Go libraries
# (GOPATH mode; golang-go and golang-github-go-sql-driver-mysql-dev come from install-deps).
build_go() {
  mkdir -p "$REPO_ROOT/build/go-cache"
  (cd "$REPO_ROOT/bench/go/$1" &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$REPO_ROOT/build/go-cache" \
      go build -o "$2" .) >&2 || die "could not build bench/go/$1"
}

# start_go OUT PID_VAR PORT_VAR [taskset -c CPU]: starts the Go server (optionally under a
# prefix such as taskset) and reads its port from its "listening on PORT" line.
start_go() {
  local out="$1" pid_var="$2" port_var="$3"
  shift 3
  env PORT=0 DB_POOL_SIZE="${DB_POOL_SIZE:-8}" "$@" "$tmp_dir/go-concert" >"$out" 2>"$out.err" &
  local pid=$! i port=""
  track_pid "$pid" "go concert server"
  PROCESS_LOG[$pid]="$out.err"
  printf -v "$pid_var" '%s' "$pid"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || {
      cat "$out.err" >&2
      die "the go concert server exited during start-up"
    }
    port="$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out")"
    [[ -z "$port" ]] || break
    sleep 0.1
  done
  [[ -n "$port" ]] || die "the go concert server did not start within 10 s"
  printf -v "$port_var" '%s' "$port"
  check_keepalive "http://127.0.0.1:$port/api/concerts/1" "go concert server"
}

bench_concert() {
  ensure_demo
  if [[ -z "$uncached_pid" ]]; then
    start_tiket "$tmp_dir/tiket-api-uncached.log" uncached_pid uncached_port CATALOG_CACHE_TTL_MS=0
    log "tiket-api (cache off) pid $uncached_pid on 127.0.0.1:$uncached_port"
  fi
  build_go concert "$tmp_dir/go-concert"
  # Two Go servers: Go sizes its scheduler (GOMAXPROCS) from the CPUs it may use at start, so
  # the per-core rounds get one started on SERVER_CPU; tiket-api's thread counts are fixed
  # (HTTP_THREADS, WORKER_THREADS), so moving it is the same as starting it there.
  local go_pid go_port go1_pid="" go1_port=""
  start_go "$tmp_dir/go.log" go_pid go_port
  local go_pinned_url=""
  if per_core_enabled; then
    start_go "$tmp_dir/go-1core.log" go1_pid go1_port taskset -c "$SERVER_CPU"
  fi
  log "go concert server pid $go_pid on 127.0.0.1:$go_port${go1_pid:+ (per core: pid $go1_pid)}"

  local id report
  id="$(curl -fsS "http://127.0.0.1:$tiket_port/api/concerts?city=Jakarta&limit=1" | json_field id)"
  [[ -n "$id" ]] || die "no Jakarta concert to read"
  local path="/api/concerts/$id" same="identical" verdict=PASS
  [[ -z "$go1_pid" ]] || go_pinned_url="http://127.0.0.1:$go1_port$path|"
  if ! cmp -s <(curl -fsS "http://127.0.0.1:$uncached_port$path") \
    <(curl -fsS "http://127.0.0.1:$go_port$path"); then
    same="DIFFERENT"
    verdict="FAIL (the go server's body differs from tiket-api's)"
  fi
  report="$(report_path concert)"
  report_header "$report" \
    "concert: GET $path, tiket-api cached (TTL 2000 ms) and uncached (TTL 0) vs go net/http (uncached)"
  printf 'go          %s, pool %s, body %s to tiket-api'"'"'s (%s bytes)\n\n' \
    "$(go version | cut -d' ' -f3)" "${DB_POOL_SIZE:-8}" "$same" \
    "$(curl -fsS "http://127.0.0.1:$go_port$path" | wc -c)" >>"$report"
  compare_all_and_per_core "$report" "$tiket_pid $uncached_pid" \
    "cached=http://127.0.0.1:$tiket_port$path" \
    "uncached=http://127.0.0.1:$uncached_port$path" \
    "go=${go_pinned_url}http://127.0.0.1:$go_port$path"
  if errors_in cached uncached go; then verdict="FAIL (wrk reported errors or non-2xx answers)"; fi
  local go_all go_core target_all="not met" target_core="not met"
  {
    printf '\n'
    ratio_line uncached/cached uncached cached
    ratio_line tiket/go uncached go
  } >>"$report"
  go_all="$RATIO_ALL"
  go_core="$RATIO_CORE"
  at_least "$go_all" "$GO_TARGET_RATIO" && target_all="met"
  if [[ -z "$go_core" ]]; then
    target_core="not measured"
  elif at_least "$go_core" "$GO_TARGET_RATIO"; then
    target_core="met"
  fi
  printf 'tiket/go target >= %s: all cores %s, per core %s\nverdict: %s\n' "$GO_TARGET_RATIO" \
    "$target_all" "$target_core" "$verdict" >>"$report"
  if [[ "$verdict" != PASS ]]; then FAILED+=(concert); fi
  stop_pid "$go_pid" "go concert server"
  untrack_pid "$go_pid"
  if [[ -n "$go1_pid" ]]; then
    stop_pid "$go1_pid" "go concert server"
    untrack_pid "$go1_pid"
  fi
  finish_report "$report"
}
