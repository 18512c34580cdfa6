# Sourced by bench.sh. payments: a second tiket-api pointed at the fake Midtrans gateway
# (tests/fakes/midtrans/server.js), then
#   1. booking → pay → notify round trips per second (payments-driver.js, PAY_CLIENTS loops),
#      against bookings alone with the same driver, alternating rounds: roundtrip/book;
#   2. the webhook with valid signed notifications at CONNECTIONS (64) clients (wrk,
#      payments.lua), against GET /healthz on the same server, alternating rounds:
#      webhook/healthz. Every notification is verified, looked up and applied under the
#      booking's row lock (each is a duplicate of a settlement, the gateway's retry storm).
# Then a DB check: every paid booking has exactly one ticket and one settled payment.
# shellcheck shell=bash

PAY_CLIENTS="${PAY_CLIENTS:-16}"
PAY_SECONDS="${PAY_SECONDS:-10}"

bench_payments() {
  ensure_demo
  local key="SB-Mid-server-bench-$RANDOM$RANDOM" fake_log="$tmp_dir/fake-midtrans.log" i
  MIDTRANS_SERVER_KEY="$key" node "$REPO_ROOT/tests/fakes/midtrans/server.js" --port 0 \
    >"$fake_log" 2>&1 &
  local fake_pid=$!
  track_pid "$fake_pid" fake-midtrans
  local fake_port=""
  for ((i = 0; i < 100; i++)); do
    fake_port="$(sed -n 's/^fake-midtrans listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$fake_log")"
    [[ -z "$fake_port" ]] || break
    sleep 0.1
  done
  [[ -n "$fake_port" ]] || die "the fake gateway did not start: $(cat "$fake_log")"
  local fake="http://127.0.0.1:$fake_port" pay_pid pay_port
  start_tiket "$tmp_dir/tiket-pay.log" pay_pid pay_port MIDTRANS_SERVER_KEY="$key" \
    MIDTRANS_SNAP_URL="$fake" MIDTRANS_API_URL="$fake" PAYMENT_RECONCILE_INTERVAL_S=3600
  local base="http://127.0.0.1:$pay_port"
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"notify_url\":\"$base/api/payments/notifications\"}" "$fake/_fake/config"

  local starts concert type
  starts="$(date -u -d '+60 days' +%Y-%m-%dT20:00:00Z)"
  concert="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d "{\"title\":\"Bench Pay\",\"artist\":\"Bench\",\"venue\":\"GBK\",\"city\":\"Jakarta\",\"starts_at\":\"$starts\"}" \
    "$base/api/concerts" | json_field id)"
  type="$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
    -d '{"name":"Festival","price":350000,"quota":1000000}' \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  [[ -n "$concert" && -n "$type" ]] || die "could not create the bench concert"
  curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $admin_token" -d '{"status":"published"}' "$base/api/concerts/$concert"
  local tokens="$tmp_dir/pay-tokens.txt" token
  : >"$tokens"
  for ((i = 0; i < PAY_CLIENTS; i++)); do
    local email="bench-payer-$i@example.com" password="bench-payer-password-$i"
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Payer $i\"}" \
      "$base/api/auth/register" || true
    token="$(curl -fsS -H 'Content-Type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/api/auth/login" |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    [[ -n "$token" ]] || die "could not log in $email"
    echo "$token" >>"$tokens"
  done

  local report
  report="$(report_path payments)"
  report_header "$report" \
    "payments: booking → pay → notify round trips ($PAY_CLIENTS clients) vs bookings alone; the webhook ($CONNECTIONS connections) vs GET /healthz"

  # 1. Round trips against bookings alone, alternating rounds.
  local r mode line rt_rates="" book_rates="" rt_failed=0
  printf '%-10s %-6s %10s %9s %9s %9s\n' mode round "per s" "p50 ms" "p99 ms" failed >>"$report"
  for ((r = 1; r <= ROUNDS; r++)); do
    for mode in book roundtrip; do
      log "payments round $r/$ROUNDS: $mode ($PAY_SECONDS s, $PAY_CLIENTS clients)"
      line="$(node "$REPO_ROOT/scripts/bench/payments-driver.js" "$mode" "$base" "$fake" \
        "$concert" "$type" "$tokens" "$PAY_SECONDS" "$PAY_CLIENTS")"
      check_alive
      local per p50 p99 failed
      per="$(sed -n 's/.*"per_second":\([0-9.]*\).*/\1/p' <<<"$line")"
      p50="$(sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' <<<"$line")"
      p99="$(sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p' <<<"$line")"
      failed="$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' <<<"$line")"
      printf '%-10s %-6s %10.1f %9.1f %9.1f %9s\n' "$mode" "$r" "$per" "$p50" "$p99" "$failed" \
        >>"$report"
      if [[ "$mode" == book ]]; then book_rates+="$per "; else
        rt_rates+="$per "
        rt_failed=$((rt_failed + failed))
      fi
    done
  done
  local -a v
  read -r -a v <<<"$rt_rates"
  local rt_median book_median
  rt_median="$(median "${v[@]}")"
  read -r -a v <<<"$book_rates"
  book_median="$(median "${v[@]}")"
  printf 'round trips/s (median) %s; bookings/s alone (median) %s; ratio roundtrip/book %s\n' \
    "$rt_median" "$book_median" "$(ratio "$rt_median" "$book_median")" >>"$report"

  # 2. The webhook against /healthz, alternating rounds, with every settled order's signed
  # settlement notification sent again and again.
  local bodies="$tmp_dir/notifications.txt"
  db_query "SELECT order_id, gross_amount FROM payments WHERE status = 'settled'" |
    node "$REPO_ROOT/scripts/bench/payments-driver.js" sign "$key" >"$bodies"
  local orders
  orders="$(wc -l <"$bodies")"
  ((orders > 0)) || die "no settled payments to replay"
  local hz_rates="" wh_rates="" wh_errors=0 out fields f_rps f_p50 f_p90 f_p99 f_err
  printf '\n%-10s %-6s %10s %9s %9s %7s\n' target round "req/s" "p50 ms" "p99 ms" errors >>"$report"
  for ((r = 1; r <= ROUNDS; r++)); do
    out="$tmp_dir/wrk-pay-healthz-$r.txt"
    run_wrk "$base/healthz" "$out" "$DURATION"
    read -r f_rps f_p50 f_p90 f_p99 f_err <<<"$(parse_wrk "$out")"
    hz_rates+="$f_rps "
    printf '%-10s %-6s %10.0f %9s %9s %7s\n' healthz "$r" "$f_rps" "$f_p50" "$f_p99" "$f_err" \
      >>"$report"
    out="$tmp_dir/wrk-pay-webhook-$r.txt"
    log "payments round $r/$ROUNDS: webhook ($DURATION, $CONNECTIONS connections, $orders orders)"
    BENCH_NOTIFICATIONS_FILE="$bodies" run_wrk "$base/api/payments/notifications" "$out" \
      "$DURATION" "$CONNECTIONS" "$REPO_ROOT/scripts/bench/payments.lua"
    check_alive
    read -r f_rps f_p50 f_p90 f_p99 f_err <<<"$(parse_wrk "$out")"
    wh_rates+="$f_rps "
    wh_errors=$((wh_errors + f_err))
    printf '%-10s %-6s %10.0f %9s %9s %7s\n' webhook "$r" "$f_rps" "$f_p50" "$f_p99" "$f_err" \
      >>"$report"
  done
  read -r -a v <<<"$wh_rates"
  local wh_median hz_median
  wh_median="$(median "${v[@]}")"
  read -r -a v <<<"$hz_rates"
  hz_median="$(median "${v[@]}")"
  printf 'webhook req/s (median) %s; healthz req/s (median) %s; ratio webhook/healthz %s\n' \
    "$wh_median" "$hz_median" "$(ratio "$wh_median" "$hz_median")" >>"$report"

  # Every paid booking: one settled payment, one ticket; nothing else changed the rows.
  local paid tickets settled applied
  read -r paid tickets settled applied <<<"$(db_query "SELECT \
(SELECT COUNT(*) FROM bookings WHERE concert_id = $concert AND status = 'paid'), \
(SELECT COUNT(*) FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.concert_id = $concert), \
(SELECT COUNT(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE b.concert_id = $concert AND p.status = 'settled'), \
(SELECT COUNT(*) FROM payment_events e JOIN payments p ON p.id = e.payment_id JOIN bookings b ON b.id = p.booking_id \
WHERE b.concert_id = $concert AND e.outcome = 'applied')")"
  local verdict=PASS
  if ((paid != tickets || paid != settled || paid != applied || wh_errors > 0 || rt_failed > 0)); then
    verdict=FAIL
    FAILED+=(payments)
  fi
  {
    printf 'paid bookings %s, tickets %s, settled payments %s, applied notifications %s\n' \
      "$paid" "$tickets" "$settled" "$applied"
    printf 'failed round trips %s, webhook errors (non-2xx or socket) %s\n' "$rt_failed" "$wh_errors"
    printf 'one ticket and one settled payment per paid booking, no errors: %s\n' "$verdict"
  } >>"$report"
  stop_pid "$pay_pid" tiket-api
  stop_pid "$fake_pid" fake-midtrans
  print_summary "$report"
}
