# Sourced by bench.sh. replicas: two tiket-api replicas on one database behind an nginx load
# balancer (round robin, kept-alive upstream connections; config in nginx-lb.conf.in). wrk sends
# the cached GET /api/concerts?city=Jakarta to nginx for ROUNDS x DURATION; each replica's
# /metrics says how many requests it served and how many list queries it sent to the database.
# The read cache is per replica (ADR 0008), so the expectation is about one query per key per
# TTL per replica: seconds / 2 for each. Fails when a replica ran more than twice that, or when
# wrk saw errors. The 100k-hits answer (exercises/100k-hits) quotes it.
# shellcheck shell=bash

replica_b_pid=""
replica_b_port=""
lb_pid=""
lb_port=""

start_lb() {
  local prefix="$tmp_dir/nginx-lb" attempt i
  mkdir -p "$prefix/logs" "$prefix/tmp"
  for attempt in 1 2 3; do
    lb_port="$(free_port)"
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$lb_port|g" \
      -e "s|@UPSTREAM_A@|127.0.0.1:$tiket_port|" -e "s|@UPSTREAM_B@|127.0.0.1:$replica_b_port|" \
      "$REPO_ROOT/scripts/bench/nginx-lb.conf.in" >"$prefix/nginx.conf"
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" &
    lb_pid=$!
    track_pid "$lb_pid" "nginx load balancer"
    PROCESS_LOG[$lb_pid]="$prefix/logs/error.log"
    for ((i = 0; i < 50; i++)); do
      if ! kill -0 "$lb_pid" 2>/dev/null; then break; fi
      if curl -fsS -o /dev/null "http://127.0.0.1:$lb_port/healthz"; then
        log "nginx load balancer pid $lb_pid on 127.0.0.1:$lb_port"
        return 0
      fi
      sleep 0.1
    done
    log "the nginx load balancer did not come up on port $lb_port (attempt $attempt)"
    stop_pid "$lb_pid" "nginx load balancer"
    untrack_pid "$lb_pid"
    lb_pid=""
  done
  die "could not start the nginx load balancer"
}

# replica_counts BASE: "<requests> <list queries>" from one replica's /metrics.
replica_counts() {
  curl -fsS "$1/metrics" | awk '
    $1 ~ /^tiket_catalog_cache_requests_total\{/ { r += $2 }
    $1 == "tiket_catalog_db_queries_total{query=\"list\"}" { q = $2 }
    END { printf "%.0f %.0f\n", r, q }'
}

bench_replicas() {
  ensure_demo
  if [[ -z "$replica_b_pid" ]]; then
    start_tiket "$tmp_dir/tiket-api-b.log" replica_b_pid replica_b_port
    log "tiket-api replica b pid $replica_b_pid on 127.0.0.1:$replica_b_port"
  fi
  [[ -n "$lb_pid" ]] || start_lb
  local a="http://127.0.0.1:$tiket_port" b="http://127.0.0.1:$replica_b_port"
  local path="/api/concerts?city=Jakarta" report out="$tmp_dir/wrk-replicas.txt"
  local secs="${DURATION%[smh]}"
  case "$DURATION" in *m) secs=$((secs * 60)) ;; *h) secs=$((secs * 3600)) ;; esac
  secs=$((secs * ROUNDS))
  report="$(report_path replicas)"
  report_header "$report" \
    "replicas: GET $path through nginx (round robin) to two tiket-api replicas, one database, ${secs} s"
  local a0 b0 a1 b1 t0 t1
  read -r -a a0 <<<"$(replica_counts "$a")"
  read -r -a b0 <<<"$(replica_counts "$b")"
  t0="$(date +%s)"
  log "replicas: wrk for ${secs}s through nginx"
  run_wrk "http://127.0.0.1:$lb_port$path" "$out" "${secs}s"
  t1="$(date +%s)"
  read -r -a a1 <<<"$(replica_counts "$a")"
  read -r -a b1 <<<"$(replica_counts "$b")"
  check_alive
  local stats verdict=PASS elapsed=$((t1 - t0))
  stats="$(parse_wrk "$out")"
  local -a s
  read -r -a s <<<"$stats"
  ((s[4] == 0)) || verdict="FAIL (wrk reported errors or non-2xx answers)"
  local expected=$(((elapsed + 1) / 2))
  {
    printf 'through nginx: %s req/s, p50 %s ms, p99 %s ms, errors %s\n\n' "${s[0]}" "${s[1]}" "${s[3]}" "${s[4]}"
    printf '%-10s %10s %14s %16s\n' replica requests "list queries" "expected (1/TTL)"
    printf '%-10s %10s %14s %16s\n' a "$((a1[0] - a0[0]))" "$((a1[1] - a0[1]))" "~$expected"
    printf '%-10s %10s %14s %16s\n' b "$((b1[0] - b0[0]))" "$((b1[1] - b0[1]))" "~$expected"
    printf 'total      %10s %14s %16s\n' "$((a1[0] - a0[0] + b1[0] - b0[0]))" \
      "$((a1[1] - a0[1] + b1[1] - b0[1]))" "~$((2 * expected))"
  } >>"$report"
  local q
  for q in $((a1[1] - a0[1])) $((b1[1] - b0[1])); do
    ((q <= 2 * expected + 2)) || verdict="FAIL (a replica ran more than twice the expected queries)"
  done
  printf 'verdict: %s\n' "$verdict" >>"$report"
  {
    printf '\n----- raw wrk output -----\n'
    cat "$out"
  } >>"$report"
  if [[ "$verdict" != PASS ]]; then FAILED+=(replicas); fi
  print_summary "$report"
}
