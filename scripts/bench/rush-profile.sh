#!/usr/bin/env bash
# The CPU cost of one sold-out answer (POST /api/bookings -> 409) on the current write path,
# in instructions, with callgrind (docs/adr/0018-hot-concert-rush.md). Instructions, unlike
# seconds, repeat on a shared machine.
#
# Usage: scripts/bench/rush-profile.sh [TIKET_BIN]     default build/release/tiket-api
#
# A throwaway MariaDB and a concert whose only ticket type is sold out; then tiket-api under
# valgrind --tool=callgrind twice, serving PROFILE_FEW (default 100) and PROFILE_MANY (default
# 400) identical sold-out requests (one customer, one keep-alive connection, a fresh
# Idempotency-Key each). The difference between the two runs divided by the difference in
# requests is the cost of one request, start-up and shutdown cancelled out. Prints the
# instructions per request in total and inclusive in the functions below, and keeps the
# callgrind files in PROFILE_OUT (default build/bench/rush-profile).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
TIKET_BIN="${1:-build/release/tiket-api}"
PROFILE_FEW="${PROFILE_FEW:-100}"
PROFILE_MANY="${PROFILE_MANY:-400}"
PROFILE_OUT="${PROFILE_OUT:-build/bench/rush-profile}"

# name|callgrind_annotate function pattern (inclusive cost; the first match counts)
FUNCTIONS=(
  "reactor: read, parse, route (Pistache Transport::onReady)|Pistache::Tcp::Transport::onReady("
  "JWT verify (JwtService::verify)|tiket::auth::JwtService::verify("
  "  of it: PEM public key parse (PEM_read_bio_PUBKEY)|PEM_read_bio_PUBKEY"
  "  of it: verify context set-up (EVP_DigestVerifyInit)|EVP_DigestVerifyInit"
  "  of it: RSA signature check (EVP_DigestVerifyFinal)|EVP_DigestVerifyFinal"
  "JSON parses (nlohmann parser: body, and JWT parts)|nlohmann::json_abi_v3_11_2::detail::parser<"
  "booking transaction, client side (BookingService::create)|tiket::booking::BookingService::create("
  "  of it: prepared queries (Connector/C++ executeQuery)|sql::mysql::MySQL_Prepared_Statement::executeQuery()"
  "problem+json answer (error_response)|tiket::http::(anonymous namespace)::error_response("
  "send, metrics, access log (finish)|tiket::http::(anonymous namespace)::finish("
)

log() { printf 'rush-profile: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 3
}

command -v valgrind >/dev/null || die "valgrind is not installed"
[[ -x "$TIKET_BIN" ]] || die "$TIKET_BIN is not executable (build the release preset)"
# shellcheck source=scripts/lib/free-port.sh
source "$REPO_ROOT/scripts/lib/free-port.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiket-rush-profile.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  LOCAL_DIR="$tmp" scripts/db.sh stop >/dev/null 2>&1 || true
  rm -rf -- "$tmp"
}
trap cleanup EXIT

LOCAL_DIR="$tmp" DB_PORT="$(free_port)" scripts/db.sh start >&2
DATABASE_URL="$(LOCAL_DIR="$tmp" scripts/db.sh url)"
export DATABASE_URL

# start_server LOG [WRAPPER...]: tiket-api (optionally under a wrapper), its port in $port.
start_server() {
  local log_file="$1" i line=""
  shift
  env PORT=0 HOST=127.0.0.1 APP_ENV=test LOG_LEVEL=info SHUTDOWN_TIMEOUT_MS=2000 \
    LOCAL_DIR="$tmp/app" "$@" "$TIKET_BIN" serve >"$log_file" 2>"$log_file.err" &
  server_pid=$!
  for ((i = 0; i < 1200; i++)); do # valgrind starts slowly: up to 120 s
    kill -0 "$server_pid" 2>/dev/null || die "tiket-api exited: $(tail -n 5 "$log_file.err")"
    line="$(grep -m1 '"msg":"listening"' "$log_file" || true)"
    [[ -z "$line" ]] || break
    sleep 0.1
  done
  [[ -n "$line" ]] || die "tiket-api did not start"
  port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$line")"
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

json_field() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" | head -n 1; }
token_of() { sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'; }

# The sold-out concert, built over HTTP by a normal server.
port=""
start_server "$tmp/setup.log"
base="http://127.0.0.1:$port"
env APP_ENV=test LOCAL_DIR="$tmp/app" DEMO_PASSWORD=profile-demo-password "$TIKET_BIN" seed-demo \
  >"$tmp/seed.log" 2>&1 || die "seed-demo failed: $(tail -n 5 "$tmp/seed.log")"
json=(-H 'Content-Type: application/json')
admin="$(curl -fsS "${json[@]}" -d '{"email":"admin@tiket.test","password":"profile-demo-password"}' \
  "$base/api/auth/login" | token_of)"
concert="$(curl -fsS "${json[@]}" -H "Authorization: Bearer $admin" \
  -d '{"title":"Profile","artist":"Bench","venue":"GBK","city":"Jakarta","starts_at":"2099-01-01T20:00:00Z"}' \
  "$base/api/concerts" | json_field id)"
type="$(curl -fsS "${json[@]}" -H "Authorization: Bearer $admin" \
  -d '{"name":"Festival","price":350000,"quota":1}' "$base/api/concerts/$concert/ticket-types" |
  json_field id)"
curl -fsS -o /dev/null -X PATCH "${json[@]}" -H "Authorization: Bearer $admin" \
  -d '{"status":"published"}' "$base/api/concerts/$concert"
curl -fsS -o /dev/null "${json[@]}" \
  -d '{"email":"profile@example.com","password":"profile-password","name":"Profile"}' \
  "$base/api/auth/register"
token="$(curl -fsS "${json[@]}" -d '{"email":"profile@example.com","password":"profile-password"}' \
  "$base/api/auth/login" | token_of)"
body="{\"concert_id\":$concert,\"items\":[{\"ticket_type_id\":$type,\"quantity\":1}]}"
status="$(curl -sS -o /dev/null -w '%{http_code}' "${json[@]}" -H "Authorization: Bearer $token" \
  -H 'Idempotency-Key: profile-first' -d "$body" "$base/api/bookings")"
[[ "$status" == 201 ]] || die "the one seat was not booked ($status)"
stop_server

mkdir -p "$PROFILE_OUT"
for n in "$PROFILE_FEW" "$PROFILE_MANY"; do
  out="$PROFILE_OUT/callgrind.$n"
  log "callgrind: $n sold-out requests"
  start_server "$tmp/profile-$n.log" valgrind --tool=callgrind --callgrind-out-file="$out"
  base="http://127.0.0.1:$port"
  # One curl, one keep-alive connection, N requests (a -K config with `next` between them).
  config="$tmp/curl-$n.cfg"
  : >"$config"
  for ((i = 1; i <= n; i++)); do
    {
      printf 'url = "%s/api/bookings"\n' "$base"
      printf 'header = "Content-Type: application/json"\n'
      printf 'header = "Authorization: Bearer %s"\n' "$token"
      printf 'header = "Idempotency-Key: profile-%s-%s"\n' "$n" "$i"
      printf 'data = "%s"\n' "${body//\"/\\\"}"
      printf 'output = "/dev/null"\n'
      printf 'write-out = "%%{http_code}\\n"\n'
      ((i == n)) || printf 'next\n'
    } >>"$config"
  done
  codes="$(curl -sS -K "$config" | sort | uniq -c | tr -s ' ')"
  [[ "$codes" == " $n 409" ]] || die "expected $n answers 409, got: $codes"
  stop_server
done

# Inclusive instructions of the first function matching PATTERN in FILE (0 when absent).
inclusive() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
    awk -v p="$2" 'index($0, p) { gsub(",", "", $1); print $1 + 0; found = 1; exit }
                   END { if (!found) print 0 }'
}
total() {
  callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 + 0; exit }'
}

few="$PROFILE_OUT/callgrind.$PROFILE_FEW"
many="$PROFILE_OUT/callgrind.$PROFILE_MANY"
extra=$((PROFILE_MANY - PROFILE_FEW))
per_request() { awk -v a="$1" -v b="$2" -v n="$extra" 'BEGIN { printf "%.0f", (b - a) / n }'; }
all="$(per_request "$(total "$few")" "$(total "$many")")"
printf 'instructions per sold-out answer (%s - %s requests, callgrind, %s)\n' \
  "$PROFILE_MANY" "$PROFILE_FEW" "$TIKET_BIN"
printf '%-54s %12s %7s\n' "part (inclusive)" "instr/req" "share"
printf '%-54s %12s %7s\n' "whole process" "$all" "100%"
for entry in "${FUNCTIONS[@]}"; do
  name="${entry%%|*}"
  pattern="${entry#*|}"
  cost="$(per_request "$(inclusive "$few" "$pattern")" "$(inclusive "$many" "$pattern")")"
  printf '%-54s %12s %6.1f%%\n' "$name" "$cost" "$(awk -v c="$cost" -v t="$all" 'BEGIN { print (t > 0 ? 100 * c / t : 0) }')"
done
