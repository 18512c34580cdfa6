#!/usr/bin/env bash
# The deploy drill: what a Kubernetes rollout relies on, proved locally with real processes.
#
#   nginx (Debian) load-balances two tiket-api replicas; a load generator (scripts/drill/load.js)
#   sends GETs through it the whole time, while
#   1. a rolling replacement starts a new replica, waits until its /readyz answers 200, swaps
#      it into nginx's upstream (reload), and only then stops an old one with SIGTERM, twice;
#   2. a blue/green switch starts two more replicas (green), waits until both are ready, flips
#      the whole upstream to them with one nginx reload, then stops the blue pair with SIGTERM.
#   Zero failed requests are allowed: no non-2xx answer, no connection error, and nginx's own
#   log must show a 2xx from a replica for every request. The one allowance: nginx's reload
#   resets some client connections its old workers hold, and the load generator resends such a
#   GET once on a new connection, as HTTP clients may (counted and printed; see
#   scripts/drill/load.js). The request count and the throughput dip (the slowest whole second
#   against the median second) are printed.
#
# Usage: scripts/deploy-drill.sh          (scripts/ci.sh stage "drill")
# Environment: PRESET (default release; CI uses dev, already built), TIKET_BIN,
#   CONNECTIONS (default 16), SETTLE_S (seconds of plain load before and after, default 3).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/free-port.sh

PRESET="${PRESET:-release}"
TIKET_BIN="${TIKET_BIN:-build/$PRESET/tiket-api}"
CONNECTIONS="${CONNECTIONS:-16}"
SETTLE_S="${SETTLE_S:-3}"

scripts/install-deps.sh nginx-light
[[ -x "$TIKET_BIN" ]] || { cmake --preset "$PRESET" && cmake --build --preset "$PRESET"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiket-drill.XXXXXX")"
declare -A replica_pid=() replica_port=()
nginx_pid=""
load_pid=""
db_started=0

log() { printf 'drill: %s\n' "$*" >&2; }

# Only what this script started, by pid.
cleanup() {
  local rc=$? name
  [[ -z "$load_pid" ]] || kill -TERM "$load_pid" 2>/dev/null || true
  for name in "${!replica_pid[@]}"; do
    kill -TERM "${replica_pid[$name]}" 2>/dev/null || true
  done
  [[ -z "$nginx_pid" ]] || kill -TERM "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ((db_started == 0)) || LOCAL_DIR="$tmp/db" scripts/db.sh stop >/dev/null || true
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The database every replica shares, migrated, with the demo catalogue.
LOCAL_DIR="$tmp/db" DB_PORT="$(free_port)" scripts/db.sh start >/dev/null
db_started=1
export DATABASE_URL
DATABASE_URL="$(LOCAL_DIR="$tmp/db" scripts/db.sh url)"
export APP_ENV=test LOCAL_DIR="$tmp/app" LOG_LEVEL=warn
"$TIKET_BIN" migrate
"$TIKET_BIN" seed-demo >/dev/null

# start_replica NAME: a tiket-api on a kernel-chosen port; returns once /readyz answers 200.
start_replica() {
  local name="$1" i port=""
  PORT=0 HOST=127.0.0.1 LOG_LEVEL=info SHUTDOWN_TIMEOUT_MS=15000 \
    "$TIKET_BIN" serve >"$tmp/$name.log" 2>&1 &
  replica_pid[$name]=$!
  for ((i = 0; i < 300; i++)); do
    kill -0 "${replica_pid[$name]}" 2>/dev/null || { tail -n 20 "$tmp/$name.log" >&2; log "$name exited"; exit 1; }
    port="$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$tmp/$name.log" | head -n 1)"
    if [[ -n "$port" ]] && curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
      replica_port[$name]="$port"
      log "$name ready on port $port (pid ${replica_pid[$name]})"
      return 0
    fi
    sleep 0.1
  done
  log "$name did not become ready in 30 s"
  exit 1
}

# stop_replica NAME: SIGTERM, then wait for the drain to finish (ADR 0012).
stop_replica() {
  local name="$1" rc=0
  kill -TERM "${replica_pid[$name]}"
  wait "${replica_pid[$name]}" || rc=$?
  log "$name stopped with SIGTERM (exit $rc)"
  unset "replica_pid[$name]"
  ((rc == 0)) || { log "$name did not drain cleanly"; exit 1; }
}

# upstream NAME...: nginx balances over these replicas from now on (config reload).
upstream() {
  local name
  {
    echo "upstream tiket {"
    for name in "$@"; do echo "  server 127.0.0.1:${replica_port[$name]};"; done
    echo "  keepalive 32;"
    echo "}"
  } >"$tmp/nginx/upstream.conf"
  if [[ -n "$nginx_pid" ]]; then
    nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s reload
    # Old workers finish the requests they hold, then exit; give them a moment.
    sleep 1
    log "nginx now sends to: $*"
  fi
}

start_replica blue-1
start_replica blue-2
mkdir -p "$tmp/nginx/logs" "$tmp/nginx/tmp"
upstream blue-1 blue-2
nginx_port="$(free_port)"
sed -e "s|@PREFIX@|$tmp/nginx|g" -e "s|@PORT@|$nginx_port|g" scripts/drill/nginx.conf.in \
  >"$tmp/nginx/nginx.conf"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
nginx_pid=$!
for ((i = 0; i < 300; i++)); do
  curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/healthz" || { log "nginx did not answer in 30 s"; exit 1; }
log "nginx on port $nginx_port"

TARGET="http://127.0.0.1:$nginx_port" CONNECTIONS="$CONNECTIONS" \
  PATHS="/healthz,/api/concerts?city=Jakarta&limit=5,/api/concerts/1" \
  node scripts/drill/load.js >"$tmp/load.json" &
load_pid=$!
sleep "$SETTLE_S"

log "rolling replacement"
start_replica rolling-1
upstream blue-2 rolling-1
stop_replica blue-1
start_replica rolling-2
upstream rolling-1 rolling-2
stop_replica blue-2

log "blue/green switch"
start_replica green-1
start_replica green-2
upstream green-1 green-2
stop_replica rolling-1
stop_replica rolling-2

sleep "$SETTLE_S"
kill -TERM "$load_pid"
wait "$load_pid"
load_pid=""

# What nginx got from the replicas: every answer must be 2xx here too (a retried connection
# error shows up as an upstream status list such as "502, 200").
kill -TERM "$nginx_pid"
wait "$nginx_pid" || true
nginx_pid=""
node - "$tmp/load.json" "$tmp/nginx/logs/access.log" <<'JS'
const fs = require("node:fs");
const r = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const lines = fs.readFileSync(process.argv[3], "utf8").trim().split("\n");
const bad = lines.filter((l) => !/^\S+ 2\d\d /.test(l));
const upstreamRetries = lines.filter((l) => l.split(" ").slice(3).join(" ").includes(",")).length;
// The first and last seconds are partial; compare whole seconds only.
const rates = r.rates.slice(1, -1);
const sorted = [...rates].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] || 0;
const min = sorted[0] || 0;
const dip = median ? Math.round((1 - min / median) * 100) : 0;
console.log(`drill: ${r.total} requests in ${r.seconds} s, ${r.failed} failed` +
  (r.failed ? ` ${JSON.stringify(r.failures)}` : "") +
  `; ${r.retried} resent once after nginx reset a client connection (reload); ` +
  `nginx logged ${lines.length} answers, ${bad.length} not 2xx, ` +
  `${upstreamRetries} passed to a second replica`);
console.log(`drill: throughput median ${median}/s, slowest second ${min}/s (dip ${dip}%)`);
for (const l of bad.slice(0, 5)) console.log(`drill: nginx: ${l}`);
process.exit(r.failed === 0 && bad.length === 0 && r.total > 0 ? 0 : 1);
JS
