# Sourced by bench.sh. split: the cost of a service split (exercises/monolith-first). The same
# catalog lookup (a concert with its ticket types) as an in-process CatalogService::get and as
# GET /api/concerts/{id} over loopback HTTP (JSON parsed back), with the read cache on and off,
# one caller thread (tiket-bench-split, bench/split_call.cpp, Google Benchmark). Reports the
# median time per call of ROUNDS repetitions and the ratios Http/InProcess. Informational: it
# fails only when a benchmark errs.
# shellcheck shell=bash

bench_split() {
  ensure_demo
  if [[ -z "$uncached_pid" ]]; then
    start_tiket "$tmp_dir/tiket-api-uncached.log" uncached_pid uncached_port CATALOG_CACHE_TTL_MS=0
    log "tiket-api (cache off) pid $uncached_pid on 127.0.0.1:$uncached_port"
  fi
  local split_bin="${TIKET_BIN%/*}/tiket-bench-split"
  [[ -x "$split_bin" ]] || die "$split_bin not found (built with the release preset)"
  local id report csv="$tmp_dir/split.csv"
  id="$(curl -fsS "http://127.0.0.1:$tiket_port/api/concerts?city=Jakarta&limit=1" | json_field id)"
  [[ -n "$id" ]] || die "no Jakarta concert to read"
  report="$(report_path split)"
  report_header "$report" \
    "split: GET concert $id in process (CatalogService::get) vs over loopback HTTP (curl + JSON parse)"
  log "split: 4 benchmarks x $ROUNDS repetitions"
  if ! env TIKET_URL="http://127.0.0.1:$tiket_port" \
    TIKET_URL_UNCACHED="http://127.0.0.1:$uncached_port" CONCERT_ID="$id" \
    "$split_bin" --benchmark_repetitions="$ROUNDS" --benchmark_report_aggregates_only=true \
    --benchmark_format=csv >"$csv" 2>"$csv.err"; then
    cat "$csv.err" >&2
    FAILED+=(split)
  fi
  # CSV: name,iterations,real_time,cpu_time,time_unit,...; the rows that end in _median.
  awk -F, '
    { gsub(/"/, "", $1); sub(/\/min_time:[0-9.]+/, "", $1) }
    $1 ~ /_median$/ { sub(/_median$/, "", $1); t[$1] = $3; u[$1] = $5 }
    END {
      printf "%-20s %14s\n", "benchmark", "median/call"
      n = split("InProcess/cached Http/cached InProcess/uncached Http/uncached", k, " ")
      for (i = 1; i <= n; i++) printf "%-20s %11.2f %s\n", k[i], t[k[i]], u[k[i]]
      if (t["InProcess/cached"] > 0 && t["InProcess/uncached"] > 0) {
        printf "\nHttp/InProcess, cached:   %.1fx\n", t["Http/cached"] / t["InProcess/cached"]
        printf "Http/InProcess, uncached: %.2fx\n", t["Http/uncached"] / t["InProcess/uncached"]
        printf "HTTP cost per call:       %.1f us (Http minus InProcess, uncached)\n", (t["Http/uncached"] - t["InProcess/uncached"]) / (u["Http/uncached"] == "ns" ? 1000 : 1)
      } else {
        printf "\nno medians found in the benchmark output (see the raw output below)\n"
      }
    }' "$csv" >>"$report"
  if grep -q '^no medians' "$report"; then FAILED+=(split); fi
  {
    printf '\n----- raw Google Benchmark output (csv) -----\n'
    cat "$csv"
  } >>"$report"
  print_summary "$report"
}
