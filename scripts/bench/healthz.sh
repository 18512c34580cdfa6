# Sourced by bench.sh. healthz: plain wrk against GET /healthz on tiket-api and against an
# nginx that answers the same body, alternating rounds, on all cores and per core; the
# verdict is on the all-cores tiket/nginx ratio (MIN_RATIO), the goal TARGET_RATIO.
# shellcheck shell=bash

bench_healthz() {
  ensure_server
  ensure_nginx
  local report
  report="$(report_path healthz)"
  report_header "$report" \
    "healthz: plain wrk, GET /healthz on tiket-api vs the same answer from nginx (access log off)"

  # Count the access-log lines against the requests wrk completed (warm-up
  # included), to show the log really was on while we measured.
  local before after
  before="$(grep -c '"msg":"request"' "$tiket_log" || true)"
  compare_all_and_per_core "$report" "$tiket_pid $nginx_pid" \
    "nginx=http://127.0.0.1:$nginx_port/healthz" \
    "tiket=http://127.0.0.1:$tiket_port/healthz"
  after="$(grep -c '"msg":"request"' "$tiket_log" || true)"

  local verdict=PASS target_note="met"
  {
    printf '\n'
    ratio_line tiket/nginx tiket nginx # sets RATIO_ALL (a group, not a subshell)
  } >>"$report"
  at_least "$RATIO_ALL" "$MIN_RATIO" || verdict=FAIL
  # A fast error path is not a pass: any failed request invalidates the run.
  if errors_in tiket nginx; then verdict="FAIL (wrk reported errors or non-2xx answers)"; fi
  if [[ "$verdict" != PASS ]]; then FAILED+=(healthz); fi
  at_least "$RATIO_ALL" "$TARGET_RATIO" || target_note="not met"
  {
    printf 'all cores: required >= %s: %s; target >= %s: %s\n' \
      "$MIN_RATIO" "$verdict" "$TARGET_RATIO" "$target_note"
    printf 'access log: %s lines written by tiket-api for %s requests wrk completed\n' \
      "$((after - before))" \
      "$(wrk_requests "$tmp_dir"/warmup-tiket*.txt "$tmp_dir"/wrk-tiket*.txt)"
  } >>"$report"
  finish_report "$report"
}
