#!/usr/bin/env bash
# Build the libFuzzer harnesses (fuzz preset: clang 14, ASan + UBSan) and run each one for a
# bounded time, one after another, starting from the committed seeds in fuzz/corpus/<target>.
# Fails on any crash, sanitizer report, leak, timeout or out-of-memory, and leaves the input
# that caused it in build/fuzz/artifacts/<target>/. Prints executions and coverage per target.
#
# Usage: scripts/fuzz.sh [TARGET...]          e.g. scripts/fuzz.sh fuzz_jwt fuzz_query
#
# Environment:
#   FUZZ_SECONDS   time per target (default 20)
#   FUZZ_RSS_MB    memory limit per target (default 2048)
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 10)
#   FUZZ_JOBS      build parallelism (default: cmake's)
#
# New inputs found during the run go to build/fuzz/corpus/<target> (not the committed seeds);
# see fuzz/README.md for folding them in. No target touches the network, and where the kernel
# allows it they run in a network namespace of their own to be sure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
FUZZ_RSS_MB="${FUZZ_RSS_MB:-2048}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"
ALL_TARGETS=(fuzz_json_fields fuzz_query fuzz_router fuzz_cursor fuzz_database_url fuzz_jwt
  fuzz_headers fuzz_payment_notification)
if (($# > 0)); then
  targets=("$@")
else
  targets=("${ALL_TARGETS[@]}")
fi

# clang 14 and its runtime libraries (libFuzzer, ASan, UBSan) only for this path.
scripts/install-deps.sh clang-14 libclang-rt-14-dev

build_args=(--build --preset fuzz --target "${targets[@]}")
if [[ -n "${FUZZ_JOBS:-}" ]]; then
  build_args+=(-j "$FUZZ_JOBS")
fi
cmake --preset fuzz >/dev/null
cmake "${build_args[@]}"

# Isolated from the network when unprivileged user namespaces are available.
isolate=()
if unshare --net --map-root-user true 2>/dev/null; then
  isolate=(unshare --net --map-root-user)
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

work="build/fuzz"
results=()
failed=()
for target in "${targets[@]}"; do
  seeds="fuzz/corpus/$target"
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  if [[ ! -d "$seeds" ]]; then
    echo "fuzz: no seed corpus $seeds" >&2
    exit 1
  fi
  dict=()
  case "$target" in
    fuzz_json_fields | fuzz_payment_notification) dict=(-dict=fuzz/json.dict) ;;
    fuzz_jwt) dict=(-dict=fuzz/jwt.dict) ;;
    fuzz_query) dict=(-dict=fuzz/query.dict) ;;
  esac
  echo "== fuzz: $target for ${FUZZ_SECONDS}s"
  rc=0
  "${isolate[@]}" "$work/$target" "${dict[@]}" \
    -max_total_time="$FUZZ_SECONDS" -rss_limit_mb="$FUZZ_RSS_MB" -timeout="$FUZZ_TIMEOUT" \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$seeds" >"$log" 2>&1 </dev/null || rc=$?
  # libFuzzer's last status line: "#123456 DONE cov: 812 ft: 2301 corp: ..."
  status="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")"
  execs="$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -n 1)"
  rate="$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -n 1)"
  corp="$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$status")"
  line="$(printf '%-18s execs %9s  exec/s %6s  cov %5s  ft %6s  corpus %5s' "$target" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")"
  if ((rc != 0)); then
    echo "fuzz: $target FAILED (exit $rc); last lines of $log:" >&2
    grep -E 'ERROR|SUMMARY|fuzz property|terminate|Test unit written' "$log" | head -n 20 >&2 || true
    tail -n 40 "$log" >&2
    failed+=("$target")
    line+="  FAILED"
  fi
  echo "   $line"
  results+=("$line")
done

echo
echo "== fuzz: ${FUZZ_SECONDS}s per target"
printf '   %s\n' "${results[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz: failures in ${failed[*]}; reproduce with build/fuzz/<target> <artifact>" >&2
  exit 1
fi
