# Sourced by bench.sh. bookings: POST /api/bookings from BOOKING_CONNECTIONS clients,
# BOOKING_CUSTOMERS customers, one fresh Idempotency-Key each (bookings.lua), against a quota
# large enough never to sell out; then a DB check that the stock adds up exactly
# (bookings-check.sql) and every code is unique.
# shellcheck shell=bash

bench_bookings() {
  ensure_demo
  local base="http://127.0.0.1:$tiket_port" report concert type starts i
  starts="$(date -u -d '+60 days' +%Y-%m-%dT20:00:00Z)"
  concert="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d "{\"title\":\"Bench Rush\",\"artist\":\"Bench\",\"venue\":\"GBK\",\"city\":\"Jakarta\",\"starts_at\":\"$starts\"}" \
    "$base/api/concerts" | json_field id)"
  [[ -n "$concert" ]] || die "could not create the bench concert"
  type="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d '{"name":"Festival","price":350000,"quota":1000000}' \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  [[ -n "$type" ]] || die "could not create the bench ticket type"
  curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $admin_token" -d '{"status":"published"}' "$base/api/concerts/$concert"

  log "bookings: registering $BOOKING_CUSTOMERS customers"
  local token tokens=""
  for ((i = 0; i < BOOKING_CUSTOMERS; i++)); do
    local email="bench-buyer-$i@example.com" password="bench-buyer-password-$i"
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Buyer $i\"}" \
      "$base/api/auth/register" || true
    token="$(curl -fsS -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/api/auth/login" |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    [[ -n "$token" ]] || die "could not log in $email"
    tokens+="$token,"
  done
  report="$(report_path bookings)"
  report_header "$report" \
    "bookings: POST /api/bookings, $BOOKING_CONNECTIONS connections, $BOOKING_CUSTOMERS customers, quota 1000000"
  local out="$tmp_dir/wrk-bookings.txt"
  log "bookings: $DURATION with $BOOKING_CONNECTIONS connections"
  BENCH_TOKENS="${tokens%,}" \
    BENCH_BOOKING_BODY="{\"concert_id\":$concert,\"items\":[{\"ticket_type_id\":$type,\"quantity\":1}]}" \
    run_wrk "$base/api/bookings" "$out" "$DURATION" "$BOOKING_CONNECTIONS" \
    "$REPO_ROOT/scripts/bench/bookings.lua"
  check_alive
  local fields rps p50 p90 p99 errors total
  fields="$(parse_wrk "$out")" || die "could not parse wrk output"
  read -r rps p50 p90 p99 errors <<<"$fields"
  total="$(wrk_requests "$out")"

  # Zero oversell: seats gone from the stock = seats in live bookings = bookings made. wrk
  # stops without waiting for its last requests, so wait until the count stops moving, then
  # read everything in one statement (one snapshot).
  local quota available booked bookings codes verdict=PASS last="" now
  for ((i = 0; i < 50; i++)); do
    now="$(db_query "SELECT COUNT(*) FROM bookings WHERE concert_id = $concert")"
    [[ "$now" != "$last" ]] || break
    last="$now"
    sleep 0.5
  done
  read -r quota available booked bookings codes <<<"$(db_query "SET @concert = $concert, \
@type = $type; $(cat "$REPO_ROOT/scripts/bench/bookings-check.sql")")"
  if ((quota - available != booked || available < 0 || codes != bookings || errors > 0)); then
    verdict=FAIL
    FAILED+=(bookings)
  fi
  {
    printf '%-34s %s\n' "bookings/s (wrk req/s)" "$rps"
    printf '%-34s %s / %s / %s ms\n' "latency p50 / p90 / p99" "$p50" "$p90" "$p99"
    printf '%-34s %s\n' "requests / non-2xx + socket errors" "$total / $errors"
    printf '%-34s %s\n' "bookings in the DB" "$bookings ($codes distinct codes)"
    printf '%-34s quota %s - available %s = %s; seats in live bookings %s\n' "stock check" \
      "$quota" "$available" "$((quota - available))" "$booked"
    printf '%-34s %s\n' "zero oversell, unique codes" "$verdict"
    printf '\n----- raw wrk output -----\n'
    cat "$out"
  } >>"$report"
  print_summary "$report"
}
