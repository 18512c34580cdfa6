# Sourced by bench.sh. catalog: the cached GET /api/concerts?city=Jakarta against GET /healthz
# on the same server, alternating rounds, on all cores and per core (goal: >= CATALOG_MIN_RATIO
# of healthz on all cores), and how many list queries reached the DB meanwhile (/metrics).
# shellcheck shell=bash

bench_catalog() {
  ensure_demo
  local report base="http://127.0.0.1:$tiket_port" series='tiket_catalog_db_queries_total{query="list"}'
  report="$(report_path catalog)"
  report_header "$report" \
    "catalog: cached GET /api/concerts?city=Jakarta vs GET /healthz (CATALOG_CACHE_TTL_MS default 2000)"
  local q0 q1 t0 t1
  q0="$(metric_value "$base" "$series")"
  t0="$(date +%s)"
  compare_all_and_per_core "$report" "$tiket_pid" \
    "healthz=$base/healthz" "concerts=$base/api/concerts?city=Jakarta"
  t1="$(date +%s)"
  q1="$(metric_value "$base" "$series")"
  local verdict=PASS
  {
    printf '\n'
    ratio_line concerts/healthz concerts healthz
  } >>"$report"
  at_least "$RATIO_ALL" "$CATALOG_MIN_RATIO" || verdict=FAIL
  if errors_in concerts healthz; then verdict="FAIL (wrk reported errors or non-2xx answers)"; fi
  if [[ "$verdict" != PASS ]]; then FAILED+=(catalog); fi
  {
    printf 'all cores: required >= %s: %s\n' "$CATALOG_MIN_RATIO" "$verdict"
    printf 'list queries that reached the DB: %.0f for %s requests in %s s' \
      "$(awk -v a="$q0" -v b="$q1" 'BEGIN { print b - a }')" \
      "$(wrk_requests "$tmp_dir"/warmup-concerts*.txt "$tmp_dir"/wrk-concerts*.txt)" "$((t1 - t0))"
    printf ' (one key, TTL 2 s: about %s expected)\n' "$(((t1 - t0) / 2))"
  } >>"$report"
  finish_report "$report"
}
