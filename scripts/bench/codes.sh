# Sourced by bench.sh. codes: booking-code strategies under CODES_THREADS concurrent
# transactions (tiket-bench-codes, bench/booking_codes.cpp), straight against the bench
# database, no HTTP (scratch tables bench_codes_*, dropped at the end; after a kill they are
# dropped and recreated by the next run). Exit 1 from the program means a strategy that must
# be gapless left gaps, or a number was handed out twice: that FAILs the section.
# shellcheck shell=bash

codes_pid=""

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

bench_codes() {
  ensure_tmp_dir
  ensure_db
  local report out="$tmp_dir/codes.txt" rc=0
  report="$(report_path codes)"
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
  track_pid "$codes_pid" tiket-bench-codes
  wait "$codes_pid" || rc=$?
  untrack_pid "$codes_pid"
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
  print_summary "$report"
}
