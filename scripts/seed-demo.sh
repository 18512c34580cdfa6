#!/usr/bin/env bash
# Loads the demo data into the database named by DATABASE_URL (development only; run.sh calls
# it when APP_ENV=development): the demo users, and the published concerts of the demo organizer
# listed in data/demo-catalog.json.
# Idempotent: existing demo users are left as they are, and no concerts are added once the
# demo organizer has any.
#
#   DEMO_PASSWORD      password of the three demo users (default tiket-demo)
#   DEMO_CATALOG_FILE  concerts and ticket types to publish (default data/demo-catalog.json,
#                      relative to the repository root, where this script runs)
#   TIKET_BIN          binary to use (default build/release/tiket-api)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

: "${DATABASE_URL:?DATABASE_URL must point at the database to seed}"
export DEMO_PASSWORD="${DEMO_PASSWORD:-tiket-demo}"
BIN="${TIKET_BIN:-build/release/tiket-api}"

"$BIN" seed-demo

cat <<TXT

Demo accounts (password: ${DEMO_PASSWORD}):
  admin@tiket.test       admin
  organizer@tiket.test   organizer
  customer@tiket.test    customer
Log in:  curl -s localhost:${PORT:-8080}/api/auth/login -H 'Content-Type: application/json' \\
           -d '{"email":"customer@tiket.test","password":"${DEMO_PASSWORD}"}'
Concerts: curl -s 'localhost:${PORT:-8080}/api/concerts?city=jakarta'
TXT
