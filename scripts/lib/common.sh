# Sourced by bench.sh: logging, exit helpers, the temp dir, and stopping what the run started.
# shellcheck shell=bash

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 3
}

usage_error() {
  printf 'bench: %s\n' "$*" >&2
  exit 2
}

ensure_tmp_dir() {
  if [[ -z "$tmp_dir" ]]; then
    tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/tiket-bench.XXXXXX")"
  fi
}

# Stops a child we started: SIGTERM, a bounded wait, then SIGKILL. Only the
# pid we recorded is signalled, never anything found by name.
stop_pid() {
  local pid="$1" name="$2" i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do # up to 10 s: tiket-api drains in-flight requests
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# CLEANUP_PIDS: "pid name" entries, stopped in reverse order on exit. A helper that starts a
# process adds it with track_pid and removes it with untrack_pid once stopped.
CLEANUP_PIDS=()
track_pid() { CLEANUP_PIDS+=("$1 $2"); }
untrack_pid() {
  local i
  for i in "${!CLEANUP_PIDS[@]}"; do
    if [[ "${CLEANUP_PIDS[i]%% *}" == "$1" ]]; then unset 'CLEANUP_PIDS[i]'; fi
  done
}

# Runs from the EXIT trap only; shellcheck cannot see that.
# shellcheck disable=SC2317
cleanup() {
  local rc=$?
  # Finish the cleanup even if another Ctrl-C / SIGTERM arrives meanwhile;
  # every step below is bounded.
  trap '' INT TERM
  local i entry
  local -a entries=("${CLEANUP_PIDS[@]}")
  for ((i = ${#entries[@]} - 1; i >= 0; i--)); do
    entry="${entries[i]}"
    stop_pid "${entry%% *}" "${entry#* }"
  done
  stop_db || rc=1
  if [[ -n "$tmp_dir" ]]; then
    rm -rf -- "$tmp_dir"
  fi
  exit "$rc"
}

# Median of the numbers given as arguments (mean of the middle two when even).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "nan"; exit }
          if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
          else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with three decimals (0 when B is 0).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'
}

# at_least A B: true when A >= B (decimals).
at_least() {
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# check_range NAME VALUE MIN MAX: VALUE is a decimal whole number in MIN..MAX
# (no leading zero, which bash arithmetic would read as octal).
check_range() {
  if ! [[ "$2" =~ ^(0|[1-9][0-9]{0,5})$ ]] || (($2 < $3 || $2 > $4)); then
    usage_error "$1 must be a whole number in $3..$4, got '$2'"
  fi
}

# json_field NAME: the first numeric "NAME": value in the JSON on stdin.
json_field() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" | head -n 1; }
