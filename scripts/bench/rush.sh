# Sourced by bench.sh. rush: the hot-concert sale of issue 13 (docs/adr/0018-hot-concert-rush.md).
# One published concert, 5,000 seats (4,000 Festival, 900 Tribune, 100 VIP with a per-user limit
# of 2); RUSH_BUYERS customers arrive over RUSH_SECONDS, half in the first 5 s, each with one
# booking of 1-4 seats and its own Idempotency-Key, retrying only a 503 with Retry-After
# (bench/go/rush: a Go client with RUSH_SOCKETS keep-alive connections fed from one FIFO queue;
# a few microseconds of CPU per request, so that it does not bury what it measures).
#
# Setup, fast and BENCH ONLY: the customers are inserted in SQL with one argon2id hash (taken
# from one customer registered over HTTP), and their access tokens are signed by
# rush-sign.js with the throwaway dev key tiket-api wrote to LOCAL_DIR/keys, instead of 100,000 logins.
#
# Then, for each mode in RUSH_MODES, a fresh tiket-api started in that mode, a fresh concert and
# the rush against it (A/B in one run):
#   single    every booking is one transaction, sold out included (BOOKING_STOCK_ESTIMATE_MS=0)
#   shortcut  the sold-out shortcut: a type this replica has read as gone is answered 409
#             without a transaction for up to 1 s per reading (BOOKING_STOCK_ESTIMATE_MS=1000),
#             from the sold-out lane, without a worker thread
#   batched   the shortcut and group commit (BOOKING_WRITE_MODE=batched): the bookings of the
#             concert that queue while a batch commits are committed together, up to 64 per
#             transaction; 32 worker threads, since each waiting booking holds one (the best of
#             16, 32 and 64 measured, ADR 0018)
# Reported per mode: time to the last seat held, peak bookings/s, p50/p99 per answer class,
# MariaDB's commit and InnoDB counters per second, and the invariants of rush-check.sql. Any
# violation, socket error or 5xx other than 503 FAILs the section.
#
# With RUSH_CALIBRATE=1 the driver first runs the same schedule against a stand-in (Go net/http)
# that answers 409 at once, to show what the generator alone sustains and measures here.
# shellcheck shell=bash

RUSH_BUYERS="${RUSH_BUYERS:-100000}"
RUSH_SECONDS="${RUSH_SECONDS:-60}"
RUSH_SOCKETS="${RUSH_SOCKETS:-256}"
RUSH_MAX_RETRIES="${RUSH_MAX_RETRIES:-10}"
RUSH_MODES="${RUSH_MODES:-single shortcut batched}"
RUSH_CALIBRATE="${RUSH_CALIBRATE:-1}"
RUSH_SEED="${RUSH_SEED:-13}"
RUSH_SEATS="${RUSH_SEATS:-5000}"
RUSH_ENV="${RUSH_ENV:-}" # NAME=VALUE words added to every mode's server environment (they win)

# Called from check_settings, before the build.
check_rush_settings() {
  check_range RUSH_BUYERS "$RUSH_BUYERS" 10 500000
  check_range RUSH_SECONDS "$RUSH_SECONDS" 1 300
  check_range RUSH_SOCKETS "$RUSH_SOCKETS" 1 4096
  check_range RUSH_MAX_RETRIES "$RUSH_MAX_RETRIES" 0 100
  check_range RUSH_SEED "$RUSH_SEED" 0 999999
  check_range RUSH_SEATS "$RUSH_SEATS" 100 1000000
  [[ "$RUSH_CALIBRATE" == 0 || "$RUSH_CALIBRATE" == 1 ]] || usage_error "RUSH_CALIBRATE must be 0 or 1"
  local mode word
  for word in $RUSH_ENV; do
    [[ "$word" =~ ^[A-Z][A-Z0-9_]*=[^[:space:]]*$ ]] || usage_error "RUSH_ENV: '$word' is not NAME=VALUE"
  done
  for mode in $RUSH_MODES; do
    rush_mode_env "$mode" >/dev/null ||
      usage_error "RUSH_MODES: '$mode' is not single, shortcut or batched"
  done
}

# rush_mode_env MODE: the server's environment for a mode (NAME=VALUE words, no spaces).
rush_mode_env() {
  case "$1" in
    single) echo BOOKING_STOCK_ESTIMATE_MS=0 ;;
    shortcut) echo BOOKING_STOCK_ESTIMATE_MS=1000 ;;
    batched) echo BOOKING_STOCK_ESTIMATE_MS=1000 BOOKING_WRITE_MODE=batched WORKER_THREADS=32 ;;
    *) return 1 ;;
  esac
}

# rush_json FIELD_PATH FILE: one value from the driver's JSON result (dots for nesting).
rush_json() {
  node -e 'let v = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    for (const k of process.argv[1].split(".")) v = v == null ? v : v[k];
    console.log(v == null ? "-" : typeof v === "object" ? JSON.stringify(v) : v);' "$1" "$2"
}

# rush_server_latency METRICS STATUS: tiket-api's own view of POST /api/bookings answers with
# STATUS, from its latency histogram (request read to response handed to the socket; no client
# or kernel queueing): the count, the share under 50 ms (a bucket bound, exact) and p50/p99
# interpolated inside their bucket.
rush_server_latency() {
  awk -v status="$2" '
    index($0, "http_request_duration_seconds_bucket{") == 1 && index($0, "route=\"/api/bookings\"") &&
      index($0, "method=\"POST\"") && index($0, "status=\"" status "\"") {
      le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
      n = split($0, f, " "); count = f[n]
      if (le == "+Inf") total = count; else { bound[++k] = le + 0; cum[k] = count + 0 }
    }
    function q(p,   target, i, lo, below) {
      target = p * total; lo = 0; below = 0
      for (i = 1; i <= k; i++) {
        if (cum[i] >= target) {
          if (cum[i] == below) return bound[i] * 1000
          return (lo + (bound[i] - lo) * (target - below) / (cum[i] - below)) * 1000
        }
        lo = bound[i]; below = cum[i]
      }
      return -1
    }
    END {
      if (total == 0) { print "n 0"; exit }
      for (i = 1; i <= k; i++) if (bound[i] == 0.05) under = cum[i]
      printf "n %d, under 50 ms %.2f%%, p50 ~%.1f ms, p99 ~%.1f ms", total, 100 * under / total, q(0.5), q(0.99)
    }' "$1"
}

# rush_cpu PID: the CPU seconds (user + system) the process has used so far; 0 if it is gone.
rush_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}

# rush_box: "busy total" jiffies of the whole machine (all cores), from /proc/stat.
rush_box() {
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# The server-wide status counters the report differences over the run.
RUSH_COUNTERS=(Com_commit Com_rollback Handler_commit Handler_rollback Questions
  Innodb_row_lock_waits Innodb_row_lock_time Innodb_data_fsyncs Innodb_log_writes
  Innodb_rows_inserted Innodb_rows_updated Innodb_deadlocks)

rush_status() {
  local list
  list="$(printf "'%s'," "${RUSH_COUNTERS[@]}")"
  db_query "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS \
WHERE VARIABLE_NAME IN (${list%,})" | tr '[:lower:]' '[:upper:]'
}

# rush_customers N IDS_FILE: N customers rush-buyer-1..N (created once per run), their ids.
rush_customers() {
  local n="$1" ids="$2" base="http://127.0.0.1:$tiket_port" have hash
  have="$(db_query "SELECT COUNT(*) FROM users WHERE email LIKE 'rush-buyer-%'")"
  if ((have < n)); then
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d '{"email":"rush-hash@example.com","password":"rush-bench-password","name":"Rush"}' \
      "$base/api/auth/register" || true
    hash="$(db_query "SELECT password_hash FROM users WHERE email = 'rush-hash@example.com'")"
    # shellcheck disable=SC2016 # a literal prefix, not an expansion
    [[ "$hash" == '$argon2id$'* ]] || die "rush: no argon2id hash to copy"
    # seq_1_to_N: MariaDB's Sequence engine. One statement, one hash for everyone.
    db_query "INSERT IGNORE INTO users (email, name, password_hash, role) \
SELECT CONCAT('rush-buyer-', seq, '@example.com'), CONCAT('Rush buyer ', seq), '$hash', 'customer' \
FROM seq_1_to_$n"
  fi
  db_query "SELECT id FROM users WHERE email LIKE 'rush-buyer-%' ORDER BY id LIMIT $n" >"$ids"
  (($(wc -l <"$ids") == n)) || die "rush: expected $n customers"
}

# rush_concert BASE NAME: creates and publishes the rush concert; prints "concert festival
# tribune vip" (ids).
rush_concert() {
  local base="$1" name="$2" starts concert festival tribune vip
  local q_festival=$((RUSH_SEATS * 4 / 5)) q_tribune=$((RUSH_SEATS * 9 / 50)) q_vip
  q_vip=$((RUSH_SEATS - q_festival - q_tribune))
  local -a auth=(-H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token")
  starts="$(date -u -d '+60 days' +%Y-%m-%dT20:00:00Z)"
  concert="$(curl -fsS "${auth[@]}" -d "{\"title\":\"$name\",\"artist\":\"Bench\",\"venue\":\"GBK\",\
\"city\":\"Jakarta\",\"starts_at\":\"$starts\"}" "$base/api/concerts" | json_field id)"
  [[ -n "$concert" ]] || die "rush: could not create the concert"
  festival="$(curl -fsS "${auth[@]}" -d "{\"name\":\"Festival\",\"price\":350000,\"quota\":$q_festival}" \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  tribune="$(curl -fsS "${auth[@]}" -d "{\"name\":\"Tribune\",\"price\":750000,\"quota\":$q_tribune}" \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  vip="$(curl -fsS "${auth[@]}" -d "{\"name\":\"VIP\",\"price\":2500000,\"quota\":$q_vip,\"per_user_limit\":2}" \
    "$base/api/concerts/$concert/ticket-types" | json_field id)"
  [[ -n "$festival" && -n "$tribune" && -n "$vip" ]] || die "rush: could not create the ticket types"
  curl -fsS -o /dev/null -X PATCH "${auth[@]}" -d '{"status":"published"}' "$base/api/concerts/$concert"
  echo "$concert $festival $tribune $vip"
}

# rush_drive CONFIG_JSON OUT: the driver in the background (Ctrl-C is handled at once).
rush_drive() {
  "$tmp_dir/rush-driver" run "$1" >"$2" 2>"$2.err" &
  local pid=$!
  track_pid "$pid" rush-driver
  if ! wait "$pid"; then
    untrack_pid "$pid"
    cat "$2.err" >&2
    die "rush: the driver failed"
  fi
  untrack_pid "$pid"
}

# rush_config URL CONCERT FESTIVAL TRIBUNE VIP KEY_PREFIX: the driver's configuration.
rush_config() {
  printf '{"url":"%s","tokens_file":"%s","concert":%s,"types":[{"id":%s,"weight":4000},' \
    "$1" "$tmp_dir/rush-tokens.txt" "$2" "$3"
  printf '{"id":%s,"weight":900},{"id":%s,"weight":100}],"seconds":%s,"sockets":%s,' \
    "$4" "$5" "$RUSH_SECONDS" "$RUSH_SOCKETS"
  printf '"max_retries":%s,"key_prefix":"%s","seed":%s}\n' "$RUSH_MAX_RETRIES" "$6" "$RUSH_SEED"
}

bench_rush() {
  ensure_demo
  local report ids="$tmp_dir/rush-ids.txt" tokens="$tmp_dir/rush-tokens.txt" started elapsed
  report="$(report_path rush)"
  report_header "$report" "rush: $RUSH_BUYERS buyers over ${RUSH_SECONDS}s (half in the first 5 s)\
 for $RUSH_SEATS seats, $RUSH_SOCKETS keep-alive sockets, modes: $RUSH_MODES"

  log "rush: inserting $RUSH_BUYERS customers"
  started="$(date +%s.%N)"
  rush_customers "$RUSH_BUYERS" "$ids"
  elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  printf '%-38s %s s\n' "setup: customers inserted in SQL" "$elapsed" >>"$report"

  local kid key="$tmp_dir/app/keys/jwt-private.pem"
  kid="$(curl -fsS "http://127.0.0.1:$tiket_port/.well-known/jwks.json" |
    sed -n 's/.*"kid":"\([^"]*\)".*/\1/p')"
  [[ -n "$kid" && -f "$key" ]] || die "rush: no dev signing key or kid"
  log "rush: signing $RUSH_BUYERS access tokens with the dev key (bench only)"
  started="$(date +%s.%N)"
  node "$REPO_ROOT/scripts/bench/rush-sign.js" "$key" "$kid" "${JWT_ISSUER:-tiket}" \
    "${JWT_AUDIENCE:-tiket-api}" "$ids" "$tokens"
  elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  printf '%-38s %s s\n' "setup: access tokens signed" "$elapsed" >>"$report"
  # One token must pass the real verifier before 100,000 of them are spent.
  curl -fsS -o /dev/null -H "Authorization: Bearer $(head -n 1 "$tokens")" \
    "http://127.0.0.1:$tiket_port/api/auth/me" || die "rush: tiket-api refuses the signed tokens"

  build_go rush "$tmp_dir/rush-driver"
  local out
  if ((RUSH_CALIBRATE)); then
    local sink_log="$tmp_dir/rush-sink.log" sink_port="" i
    : >"$sink_log"  # before the child opens it: the first read below must find the file
    "$tmp_dir/rush-driver" sink >"$sink_log" 2>&1 &
    local sink_pid=$!
    track_pid "$sink_pid" rush-sink
    for ((i = 0; i < 100; i++)); do
      sink_port="$(sed -n 's/^sink listening on \([0-9]*\)$/\1/p' "$sink_log")"
      [[ -z "$sink_port" ]] || break
      sleep 0.1
    done
    [[ -n "$sink_port" ]] || die "rush: the sink did not start: $(cat "$sink_log")"
    log "rush: calibration, the same schedule against an instant 409 stand-in"
    out="$tmp_dir/rush-calibrate.json"
    rush_drive "$(rush_config "http://127.0.0.1:$sink_port" 1 1 2 3 calibrate)" "$out"
    stop_pid "$sink_pid" rush-sink
    untrack_pid "$sink_pid"
    {
      printf '\ngenerator alone (stand-in answering 409 at once):\n'
      printf '  %-36s %s/s scheduled, %s/s achieved\n' "first-5-s send rate" \
        "$(rush_json generator.front_scheduled_per_s "$out")" \
        "$(rush_json generator.front_achieved_per_s "$out")"
      printf '  %-36s p50 %s ms, p99 %s ms\n' "dispatch lag behind the schedule" \
        "$(rush_json generator.dispatch_lag_ms.p50_ms "$out")" \
        "$(rush_json generator.dispatch_lag_ms.p99_ms "$out")"
      printf '  %-36s p50 %s ms, p99 %s ms\n' "409 latency" \
        "$(rush_json latency_ms.sold_out.p50_ms "$out")" "$(rush_json latency_ms.sold_out.p99_ms "$out")"
      printf '  %-36s %s (of one core)\n' "generator CPU share" "$(rush_json generator.cpu_share "$out")"
    } >>"$report"
  fi

  local mode rush_pid rush_port base ids4 concert festival tribune vip before after verdict
  for mode in $RUSH_MODES; do
    # shellcheck disable=SC2046,SC2086 # one word per NAME=VALUE
    start_tiket "$tmp_dir/tiket-rush-$mode.log" rush_pid rush_port $(rush_mode_env "$mode") $RUSH_ENV
    base="http://127.0.0.1:$rush_port"
    ids4="$(rush_concert "$base" "Bench Rush $mode")"
    read -r concert festival tribune vip <<<"$ids4"
    log "rush ($mode): $RUSH_BUYERS buyers over ${RUSH_SECONDS}s against concert $concert"
    out="$tmp_dir/rush-$mode.json"
    before="$(rush_status)"
    local db_pid="" cpu_api0 cpu_db0=0 box0
    [[ ! -r "$tmp_dir/mysql/mysqld.pid" ]] || db_pid="$(tr -dc '0-9' <"$tmp_dir/mysql/mysqld.pid")"
    cpu_api0="$(rush_cpu "$rush_pid")"
    [[ -z "$db_pid" ]] || cpu_db0="$(rush_cpu "$db_pid")"
    box0="$(rush_box)"
    rush_drive "$(rush_config "$base" "$concert" "$festival" "$tribune" "$vip" "rush-$mode-$concert")" "$out"
    after="$(rush_status)"
    local cpu_api cpu_db="-" box
    cpu_api="$(awk -v a="$cpu_api0" -v b="$(rush_cpu "$rush_pid")" 'BEGIN { printf "%.1f", b - a }')"
    [[ -z "$db_pid" ]] ||
      cpu_db="$(awk -v a="$cpu_db0" -v b="$(rush_cpu "$db_pid")" 'BEGIN { printf "%.1f", b - a }')"
    box="$(awk -v a="$box0" -v b="$(rush_box)" -v cores="$(nproc)" 'BEGIN {
      split(a, x, " "); split(b, y, " "); printf "%.0f%% of %d cores", 100 * (y[1] - x[1]) / (y[2] - x[2]), cores }')"
    check_alive
    local service_counters metrics="$tmp_dir/rush-$mode.metrics"
    curl -fsS "$base/metrics" >"$metrics" || die "rush: no /metrics from tiket-api"
    service_counters="$(sed -n 's/^tiket_bookings_total{outcome="\(sold_out[a-z_]*\)"} \([0-9.e+]*\)$/\1 \2/p;
        s/^tiket_booking_batches_total{event="\([a-z]*\)"} \([0-9.e+]*\)$/batch_\1 \2/p;
        s/^tiket_booking_sold_out_groups_total \([0-9.e+]*\)$/sold_out_lane_reads \1/p' "$metrics" |
      awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $1, $2 }')"
    stop_pid "$rush_pid" tiket-api
    untrack_pid "$rush_pid"

    local violations types_left held quota bookings c201 c5xx errors wall
    read -r -a violations <<<"$(db_query "SET @concert = $concert; \
$(cat "$REPO_ROOT/scripts/bench/rush-check.sql")")"
    types_left="${violations[5]}"
    held="${violations[6]}"
    quota="${violations[7]}"
    bookings="${violations[8]}"
    c201="$(rush_json statuses.201 "$out")"
    [[ "$c201" != - ]] || c201=0
    c5xx="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      let n = 0; for (const [s, c] of Object.entries(r.statuses)) if (s >= 500 && s != 503) n += c;
      console.log(n);' "$out")"
    errors="$(rush_json socket_errors "$out")"
    wall="$(rush_json generator.wall_s "$out")"
    verdict=PASS
    if ((violations[0] + violations[1] + violations[2] + violations[3] + violations[4] > 0 ||
      c201 != bookings || c5xx > 0 || errors > 0)); then
      verdict=FAIL
    fi
    {
      printf '\nmode %s (%s), concert %s\n' "$mode" "$(rush_mode_env "$mode") $RUSH_ENV" "$concert"
      printf '  %-36s %s\n' "answers by status" "$(rush_json statuses "$out")"
      printf '  %-36s %s retried 503s, %s gave up, %s replayed 201s, %s unfinished\n' \
        "retries / socket errors" "$(rush_json retries "$out")" \
        "$(rush_json gave_up_after_retries "$out")" "$(rush_json replayed_201s "$out")" \
        "$(rush_json unfinished "$out") ($errors socket errors)"
      printf '  %-36s %s s\n' "first request to last seat held" "$(rush_json last_seat_held_s "$out")"
      printf '  %-36s %s\n' "peak bookings/s (1 s buckets)" "$(rush_json peak_created_per_s "$out")"
      printf '  %-36s %s\n' "bookings per second" "$(rush_json created_per_s "$out")"
      local cls
      for cls in created sold_out unavailable other; do
        printf '  %-36s n %s, p50 %s ms, p99 %s ms\n' "latency $cls" \
          "$(rush_json "latency_ms.$cls.n" "$out")" "$(rush_json "latency_ms.$cls.p50_ms" "$out")" \
          "$(rush_json "latency_ms.$cls.p99_ms" "$out")"
      done
      printf '  %-36s p50 %s ms, p99 %s ms\n' "buyer-perceived (arrival to answer)" \
        "$(rush_json from_arrival_ms.p50_ms "$out")" "$(rush_json from_arrival_ms.p99_ms "$out")"
      printf '  %-36s %s/s scheduled, %s/s achieved; lag p99 %s ms; CPU %s of a core\n' \
        "generator, first 5 s" "$(rush_json generator.front_scheduled_per_s "$out")" \
        "$(rush_json generator.front_achieved_per_s "$out")" \
        "$(rush_json generator.dispatch_lag_ms.p99_ms "$out")" "$(rush_json generator.cpu_share "$out")"
      printf '  %-36s %s s\n' "run (first send to last answer)" "$wall"
      printf '  %-36s tiket-api %s s, MariaDB %s s, generator %s s; the box %s busy\n' \
        "CPU over the run" "$cpu_api" "$cpu_db" "$(rush_json generator.cpu_s "$out")" "$box"
      printf '  %-36s %s\n' "tiket-api counters" "$service_counters"
      printf '  %-36s 201: %s\n' "tiket-api's own latency (histogram)" \
        "$(rush_server_latency "$metrics" 201)"
      printf '  %-36s 409: %s\n' "" "$(rush_server_latency "$metrics" 409)"
      printf '  MariaDB status deltas over the run (total, per second of the run):\n'
      join <(sort <<<"$before") <(sort <<<"$after") |
        awk -v w="$wall" '{ d = $3 - $2; printf "    %-28s %12d %12.0f/s\n", $1, d, (w > 0 ? d / w : 0) }'
      printf '  %-36s held or sold %s of %s seats, %s types with seats left, %s bookings (%s 201s)\n' \
        "stock" "$held" "$quota" "$types_left" "$bookings" "$c201"
      printf '  %-36s stock %s, day-number gaps %s, bad totals %s, over limit %s, repeat buyers %s\n' \
        "violations" "${violations[0]}" "${violations[1]}" "${violations[2]}" "${violations[3]}" \
        "${violations[4]}"
      printf '  %-36s %s\n' "invariants, no 5xx but 503, 201s = bookings" "$verdict"
    } >>"$report"
    if [[ "$verdict" != PASS ]]; then
      FAILED+=("rush:$mode")
      # The evidence outlives the temp dir: tiket-api's log and the driver's answers.
      cp "$tmp_dir/tiket-rush-$mode.log" "${report%.txt}-$mode-tiket-api.log"
      cp "$out" "${report%.txt}-$mode-driver.json"
      printf '  %-36s %s\n' "kept for a look" "${report%.txt}-$mode-{tiket-api.log,driver.json}" \
        >>"$report"
    fi
  done
  print_summary "$report"
}
