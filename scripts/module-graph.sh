#!/usr/bin/env bash
# Print the module dependency graph of src/ and fail on a cycle.
#
# Usage: scripts/module-graph.sh            the graph as text; fails when docs/architecture.md
#                                           does not quote the same table
#        scripts/module-graph.sh --counts   also the number of #include lines across modules
#
# The graph is read from the code, not from the build files: module A uses module B when a file
# in src/A/ has `#include "B/..."`. The build enforces that such an include compiles only when
# A's target links B (src/CMakeLists.txt, docs/adr/0011-module-boundaries.md); this script adds
# what the build cannot: static libraries may depend on each other in a cycle, so a cycle is
# caught here. It also checks the one layering rule that lives inside a module: only routes.*
# may include http/ headers (the build enforces it too, through the separate _routes targets).
# Needs only bash and coreutils (tsort), so it runs first thing in CI.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT/src"

counts=false
[[ "${1:-}" == "--counts" ]] && counts=true

mapfile -t modules < <(find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)

table="$(mktemp)"
trap 'rm -f "$table"' EXIT

declare -A uses=()
edges=()
cross=0
bad_layer=()
for m in "${modules[@]}"; do
  while IFS= read -r line; do
    file="${line%%:*}"
    dep="${line#*#include \"}"
    dep="${dep%%/*}"
    [[ "$dep" == "$m" ]] && continue
    cross=$((cross + 1))
    uses[$m]+=" $dep"
    edges+=("$m $dep")
    base="$(basename "$file")"
    if [[ "$dep" == http && "$m" != http && "$m" != app && "$m" != ops && "$base" != routes.* ]]; then
      bad_layer+=("$file includes http/ (only routes.* may)")
    fi
  done < <(grep -HE '^#include "[a-z_]+/' -- "$m"/*.hpp "$m"/*.cpp 2>/dev/null || true)
done

echo "module      uses"
for m in "${modules[@]}"; do
  deps="$(tr ' ' '\n' <<<"${uses[$m]:-}" | sed '/^$/d' | sort -u | paste -sd ' ')"
  printf '%-11s %s\n' "$m" "${deps:--}"
done | tee "$table"

# tsort prints an order where every module comes after the ones it uses, and complains about
# any loop in the input. Every module is listed as a self-edge so that leaves appear too.
pairs=()
for m in "${modules[@]}"; do pairs+=("$m $m"); done
if ! order="$(printf '%s\n' "${pairs[@]}" "${edges[@]}" | awk '{print $2, $1}' | tsort 2>&1)" ||
  grep -q 'loop' <<<"$order"; then
  echo "module-graph: the module graph has a cycle:" >&2
  grep '^tsort: [a-z_]*$' <<<"$order" | sed 's/^tsort: /  /' | sort -u >&2 || true
  exit 1
fi
echo
echo "order (each module after those it uses): $(grep -v 'tsort' <<<"$order" | paste -sd ' ')"
if $counts; then
  echo "#include lines across modules: $cross"
fi
# docs/architecture.md quotes the table; a change to the graph must update it in the same commit.
stale=0
while IFS= read -r row; do
  if ! grep -qxF -- "$row" "$REPO_ROOT/docs/architecture.md"; then
    echo "module-graph: docs/architecture.md does not quote this row of the graph: '$row'" >&2
    stale=1
  fi
done <"$table"
if ((stale)); then
  echo "module-graph: paste the table above into docs/architecture.md (Module dependency graph)" >&2
  exit 1
fi
if ((${#bad_layer[@]})); then
  printf 'module-graph: %s\n' "${bad_layer[@]}" >&2
  exit 1
fi
