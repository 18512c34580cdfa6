#!/usr/bin/env bash
# The image stage of scripts/ci.sh: build the container image with buildah (scripts/image.sh
# base + build) and smoke-test the container against a throwaway private MariaDB, including
# the Postman collection (scripts/image.sh smoke with SMOKE_DATABASE_URL). Prints the image's
# size and the time from `serve` to a ready /readyz.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/free-port.sh

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiket-image-ci.XXXXXX")"
cleanup() {
  local rc=$?
  LOCAL_DIR="$tmp/db" scripts/db.sh stop >/dev/null 2>&1 || true
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT

scripts/image.sh base
scripts/image.sh build
LOCAL_DIR="$tmp/db" DB_PORT="$(free_port)" scripts/db.sh start >/dev/null
SMOKE_DATABASE_URL="$(LOCAL_DIR="$tmp/db" scripts/db.sh url)" SMOKE_PORT="$(free_port)" \
  scripts/image.sh smoke
