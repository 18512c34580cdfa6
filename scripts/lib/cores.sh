# Sourced by bench.sh: pinning processes to cores for the per-core rounds. With the servers and
# wrk free to use every core, the ratio of two servers mostly measures who starves whom (wrk
# and the server compete for the same cores). Per core: the server under test (and the
# throwaway DB, which serves it) on SERVER_CPU, wrk alone on WRK_CPU.
# shellcheck shell=bash

# Every CPU this script may use, as taskset prints it (e.g. 0-1); processes go back to it.
ALL_CPUS="$(taskset -pc $$ | sed 's/.*: //')"
WRK_TASKSET=() # prefix for wrk: empty, or taskset -c WRK_CPU during per-core rounds

per_core_enabled() {
  [[ "$PER_CORE" == 1 ]]
}

check_cores() {
  [[ "$PER_CORE" =~ ^[01]$ ]] || usage_error "PER_CORE must be 0 or 1, got '$PER_CORE'"
  per_core_enabled || return 0
  [[ "$SERVER_CPU" =~ ^[0-9]+$ && "$WRK_CPU" =~ ^[0-9]+$ && "$SERVER_CPU" != "$WRK_CPU" ]] ||
    usage_error "SERVER_CPU and WRK_CPU must be two different CPU numbers"
  if (($(nproc) < 2)); then
    log "one CPU only: no per-core rounds (PER_CORE=0)"
    PER_CORE=0
  fi
}

# pin_process PID CPUS: every thread of PID and of its child processes (nginx's workers) runs
# on CPUS from now on; threads they start later inherit it.
pin_process() {
  local pid="$1" cpus="$2" task child
  local -a children
  [[ -n "$pid" ]] || return 0
  for task in /proc/"$pid"/task/*; do
    taskset -pc "$cpus" "${task##*/}" >/dev/null 2>&1 || true
    children=()
    read -r -a children <"$task/children" 2>/dev/null || true
    for child in "${children[@]}"; do
      pin_process "$child" "$cpus"
    done
  done
}

# per_core_begin PID...: the servers (and our DB) to SERVER_CPU, wrk to WRK_CPU.
per_core_begin() {
  local pid
  for pid in "$@" "$(db_pid)"; do pin_process "$pid" "$SERVER_CPU"; done
  WRK_TASKSET=(taskset -c "$WRK_CPU")
}

# per_core_end PID...: everything back on every CPU.
per_core_end() {
  local pid
  for pid in "$@" "$(db_pid)"; do pin_process "$pid" "$ALL_CPUS"; done
  WRK_TASKSET=()
}
