#!/usr/bin/env bash
# Builds the web app (web/ → web/dist) when it is out of date: `npm ci` when web/package-lock.json
# changed since the last install, `vite build` (with the size check) when a source, the lock
# file or docs/openapi.yaml is newer than web/dist. Called by scripts/run.sh; quiet and quick
# when there is nothing to do.
#
# Usage: scripts/build-web.sh [--force]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT/web"

force=0
[[ "${1:-}" == --force ]] && force=1

# npm ci records what it installed in node_modules/.package-lock.json.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

stamp=dist/index.html
if ((force == 0)) && [[ -f "$stamp" ]] &&
  [[ -z "$(find src public index.html vite.config.ts tsconfig.json package-lock.json ../docs/openapi.yaml \
    -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "build-web: web/dist is up to date"
  exit 0
fi
# The API types are generated from the contract at build time too, so a changed openapi.yaml
# reaches the compiler (CI's web stage also checks that the committed copy is current).
npm run --silent gen:api >/dev/null
npx tsc -p .
npx vite build
node scripts/check-size.mjs
