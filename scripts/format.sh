#!/usr/bin/env bash
# Format the C++ sources with clang-format, using the repo's .clang-format.
#
# Usage: scripts/format.sh            rewrite files in place
#        scripts/format.sh --check    change nothing; fail if any file is
#                                     not formatted (used by CI)
#
# Covers *.cpp, *.hpp and *.h under src/, tests/, bench/ and fuzz/.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

mode=(-i)
verb=formatted
case "${1:-}" in
  "") ;;
  --check)
    mode=(--dry-run -Werror)
    verb=checked
    ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# Without a config clang-format silently falls back to LLVM style, which
# would "fix" every file into a style nobody chose. Refuse instead.
if [[ ! -f .clang-format ]]; then
  echo "format: no .clang-format at the repo root" >&2
  exit 1
fi

dirs=()
for d in src tests bench fuzz; do
  [[ -d "$d" ]] && dirs+=("$d")
done
if ((${#dirs[@]} == 0)); then
  echo "format: no src/, tests/ or bench/ yet; nothing to do"
  exit 0
fi

# NUL-separated so any file name is safe; sorted for stable output.
mapfile -d '' files < <(find "${dirs[@]}" -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print0 | sort -z)
if ((${#files[@]} == 0)); then
  echo "format: no C++ files; nothing to do"
  exit 0
fi

if clang-format --style=file "${mode[@]}" -- "${files[@]}"; then
  echo "format: ${#files[@]} file(s) $verb"
else
  if [[ "$verb" == checked ]]; then
    echo "format: the files above need formatting; run scripts/format.sh" >&2
  fi
  exit 1
fi
