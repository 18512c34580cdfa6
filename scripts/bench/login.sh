# Sourced by bench.sh. login: POST /api/auth/login under LOGIN_CONNECTIONS (default 32)
# concurrent clients, all with the right password: every request runs one argon2id
# verification (64 MiB, ~60 ms). Reports logins/s, latency, and the process's resident memory
# before and at its peak (VmHWM): the hashing cap (AUTH_HASH_CONCURRENCY, default 2) is what
# keeps the peak near baseline + cap x 64 MiB instead of 32 x 64 MiB.
# shellcheck shell=bash

bench_login() {
  ensure_server
  local report base="http://127.0.0.1:$tiket_port" email="bench-login@example.com"
  local password="bench-login-password-1" conns="${LOGIN_CONNECTIONS:-32}"
  report="$(report_path login)"
  report_header "$report" "login: POST /api/auth/login, $conns concurrent clients, right password"

  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Bench\"}" \
    "$base/api/auth/register" || log "register: user exists already"
  local rss_before hwm_after out="$tmp_dir/wrk-login.txt"
  rss_before="$(awk '/^VmRSS/ { print $2 }' "/proc/$tiket_pid/status")"
  BENCH_LOGIN_BODY="{\"email\":\"$email\",\"password\":\"$password\"}" \
    run_wrk "$base/api/auth/login" "$out" "$DURATION" "$conns" "$REPO_ROOT/scripts/bench/login.lua"
  hwm_after="$(awk '/^VmHWM/ { print $2 }' "/proc/$tiket_pid/status")"
  local fields rps p50 p90 p99 errors non2xx
  fields="$(parse_wrk "$out")" || die "could not parse wrk output"
  read -r rps p50 p90 p99 errors <<<"$fields"
  # Only wrong answers fail the section: with 32 clients queued behind a cap of 2 hashes, wrk's
  # 2 s timeout may fire (a socket error) while the server is doing exactly what it should.
  non2xx="$(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$out")"
  {
    printf '\n%-28s %s\n' "logins/s" "$rps"
    printf '%-28s %s / %s / %s ms\n' "latency p50 / p90 / p99" "$p50" "$p90" "$p99"
    printf '%-28s %s / %s\n' "non-2xx / all errors" "$non2xx" "$errors"
    printf '%-28s %s MiB\n' "RSS before" "$((rss_before / 1024))"
    printf '%-28s %s MiB\n' "peak RSS (VmHWM) after" "$((hwm_after / 1024))"
    printf '%-28s %s\n' "AUTH_HASH_CONCURRENCY" "${AUTH_HASH_CONCURRENCY:-2 (default)}"
    printf '\n----- raw wrk output -----\n'
    cat "$out"
  } >>"$report"
  if ((non2xx > 0)); then FAILED+=(login); fi
  print_summary "$report"
}
