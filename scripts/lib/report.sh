# Sourced by bench.sh: report files. Every section writes $BENCH_OUT/<name>-<timestamp>.txt,
# summary first and raw wrk output after it, and prints the summary.
# shellcheck shell=bash

# report_path SECTION: a new report file name for SECTION.
report_path() {
  printf '%s/%s-%s.txt\n' "$BENCH_OUT" "$1" "$(date -u +%Y%m%dT%H%M%SZ)"
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
  rm -f -- "$report.raw"
}

# finish_report REPORT: appends the raw wrk output collected in REPORT.raw (if any), then
# prints the summary.
finish_report() {
  local report="$1"
  if [[ -f "$report.raw" ]]; then
    {
      printf '\n----- raw wrk output -----\n'
      cat "$report.raw"
    } >>"$report"
    rm -f -- "$report.raw"
  fi
  print_summary "$report"
}

# The summary of a report (everything before the raw wrk output) on stdout, and its path.
print_summary() {
  sed '/^----- raw .* -----$/,$d' "$1"
  printf 'report: %s\n\n' "$1"
}

# wrk_requests FILE...: the requests wrk completed in these reports (missing files count 0).
wrk_requests() {
  { cat -- "$@" 2>/dev/null || true; } | awk '/ requests in / { n += $1 } END { print n + 0 }'
}
