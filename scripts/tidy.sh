#!/usr/bin/env bash
# Run clang-tidy (checks from the repo's .clang-tidy) over every src/**/*.cpp and
# bench/**/*.cpp.
#
# Uses build/dev/compile_commands.json, configuring the dev preset first if it
# is missing (the build itself is not needed unless sources include generated
# headers; CI builds dev before this stage anyway). Runs one clang-tidy per
# file, $(nproc) at a time, and fails if any warning or error is reported.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

BUILD_DIR="${TIDY_BUILD_DIR:-build/dev}"

if [[ ! -f .clang-tidy ]]; then
  echo "tidy: no .clang-tidy at the repo root" >&2
  exit 1
fi
if [[ ! -f "$BUILD_DIR/compile_commands.json" ]]; then
  cmake --preset dev
fi
if [[ ! -f "$BUILD_DIR/compile_commands.json" ]]; then
  echo "tidy: $BUILD_DIR/compile_commands.json missing; the dev preset must set CMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2
  exit 1
fi

mapfile -d '' files < <(find src bench -type f -name '*.cpp' -print0 | sort -z)
if ((${#files[@]} == 0)); then
  echo "tidy: no src/**/*.cpp; nothing to do"
  exit 0
fi

logs="$(mktemp -d)"
trap 'rm -rf -- "$logs"' EXIT

# Each clang-tidy writes to its own log (named after the file's index) so
# parallel output is not interleaved; the logs are printed in order below.
# Arguments of this sh script: $0 build dir, $1 log dir, $2 index, $3 file.
# shellcheck disable=SC2016 # expanded by sh, not here
tidy_one='
  clang-tidy -p "$0" --quiet --warnings-as-errors="*" "$3" >"$1/$2.log" 2>&1 ||
    echo "clang-tidy exited with status $?" >>"$1/$2.log"
'
# `|| true`: failures are judged from the logs, so xargs keeps going and every
# file gets checked in one run.
for i in "${!files[@]}"; do
  printf '%s\0%s\0' "$i" "${files[$i]}"
done | xargs -0 -n 2 -P "$(nproc)" sh -c "$tidy_one" "$BUILD_DIR" "$logs" || true

failed=0
for i in "${!files[@]}"; do
  # "N warnings generated." counts diagnostics clang-tidy filtered out
  # (system headers, disabled checks): noise, not findings.
  if grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$logs/$i.log" >"$logs/$i.out" &&
    [[ -s "$logs/$i.out" ]]; then
    echo "== ${files[$i]}"
    cat "$logs/$i.out"
    failed=$((failed + 1))
  fi
done

if ((failed > 0)); then
  echo "tidy: findings in $failed of ${#files[@]} file(s)" >&2
  exit 1
fi
echo "tidy: ${#files[@]} file(s) clean"
