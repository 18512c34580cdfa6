# Sourced by bench.sh: running wrk, reading its report, and comparing targets in alternating
# rounds, on all cores and (PER_CORE=1) pinned to one core each.
# shellcheck shell=bash

# run_wrk URL OUT DURATION [CONNECTIONS [LUA]]: wrk in the background (so Ctrl-C is handled at
# once) with its report in OUT; wrk's own exit status fails the run.
run_wrk() {
  local url="$1" out="$2" duration="$3" conns="${4:-$CONNECTIONS}" lua="${5:-}"
  local -a script=()
  [[ -z "$lua" ]] || script=(-s "$lua")
  "${WRK_TASKSET[@]}" wrk --latency -t "$THREADS" -c "$conns" -d "$duration" "${script[@]}" \
    "$url" >"$out" 2>&1 &
  local pid=$!
  track_pid "$pid" wrk
  if ! wait "$pid"; then
    untrack_pid "$pid"
    cat "$out" >&2
    die "wrk failed against $url"
  fi
  untrack_pid "$pid"
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
# BENCH_MEDIAN[name] and BENCH_ERRORS[name] for the caller; wrk's reports go to
# $tmp_dir/wrk-<name>-<round>.txt and, with a header each, to <report>.raw.
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
        printf '\n===== round %d: %s  %s  %s =====\n' "$r" "$name" "${urls[i]}" \
          "${WRK_TASKSET[*]:-all cores}"
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
    printf '%-16s' target
    for ((r = 1; r <= ROUNDS; r++)); do printf ' %10s' "r$r req/s"; done
    printf ' %12s %9s %9s %9s %7s\n' "median" "p50 ms" "p90 ms" "p99 ms" errors
    for name in "${names[@]}"; do
      local -a v
      read -r -a v <<<"${rps[$name]}"
      printf '%-16s' "$name"
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

# compare_all_and_per_core REPORT "PID..." NAME=URL...: compare_targets on all cores, then
# (PER_CORE=1) again with the PIDs (the servers) and our DB on SERVER_CPU and wrk on WRK_CPU.
# The per-core results are named NAME@1core. A URL may be "PINNED_URL|URL": the pinned rounds
# use the first (a second instance started on SERVER_CPU), the others the second.
compare_all_and_per_core() {
  local report="$1" pids="$2" pair
  shift 2
  local -a all=() pinned=()
  for pair in "$@"; do
    local name="${pair%%=*}" url="${pair#*=}"
    if [[ "$url" == *"|"* ]]; then
      all+=("$name=${url#*|}")
      pinned+=("$name@1core=${url%%|*}")
    else
      all+=("$name=$url")
      pinned+=("$name@1core=$url")
    fi
  done
  printf 'all cores: servers and wrk free to run anywhere\n' >>"$report"
  compare_targets "$report" "${all[@]}"
  per_core_enabled || return 0
  # shellcheck disable=SC2086 # a list of pids
  per_core_begin $pids
  printf '\nper core: servers%s on CPU %s, wrk on CPU %s\n' \
    "$([[ -z "$(db_pid)" ]] || echo ' and the DB')" "$SERVER_CPU" "$WRK_CPU" >>"$report"
  compare_targets "$report" "${pinned[@]}"
  # shellcheck disable=SC2086
  per_core_end $pids
}

# ratio_line LABEL A B [MIN]: "ratio LABEL (median req/s): all cores X, per core Y" for
# targets A and B (BENCH_MEDIAN names; the per-core ones are A@1core and B@1core). Sets
# RATIO_ALL and RATIO_CORE (empty without per-core rounds).
ratio_line() {
  local label="$1" a="$2" b="$3"
  RATIO_ALL="$(ratio "${BENCH_MEDIAN[$a]}" "${BENCH_MEDIAN[$b]}")"
  RATIO_CORE=""
  if [[ -n "${BENCH_MEDIAN[$a@1core]:-}" ]]; then
    RATIO_CORE="$(ratio "${BENCH_MEDIAN[$a@1core]}" "${BENCH_MEDIAN[$b@1core]}")"
  fi
  printf 'ratio %s (median req/s): all cores %s, per core %s\n' "$label" "$RATIO_ALL" \
    "${RATIO_CORE:-(not measured)}"
}

# errors_in NAME...: true when wrk saw errors or non-2xx answers for any of the targets (on
# all cores or per core).
errors_in() {
  local name
  for name in "$@"; do
    if ((${BENCH_ERRORS[$name]:-0} > 0 || ${BENCH_ERRORS[$name@1core]:-0} > 0)); then return 0; fi
  done
  return 1
}
