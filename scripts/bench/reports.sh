# Sourced by bench.sh. reports: the five admin reports on BENCH_BOOKINGS (default 1,000,000)
# bookings loaded by `tiket-api seed-load` (ADR 0015, exercises/monthly-total-1m).
#
#   1. a database of its own (tiket_reports on the bench server) and a tiket-api on it with
#      JOBS_ENABLED=false, so no scheduled run of rollup-sales lands inside a measurement (the
#      section starts every run by hand);
#   2. seed-load BENCH_BOOKINGS over BENCH_MONTHS months (its rows/s is reported), ANALYZE TABLE,
#      then rollup-sales once (the first run: every day);
#   3. monthly-sales three ways in process (tiket-bench-reports, bench/reports.cpp, Google
#      Benchmark, ROUNDS repetitions, over the whole loaded range and over its last 30 days):
#      FAIL unless naive, indexed and rollup return exactly the same rows; naive/rollup and
#      naive/indexed; at 1M bookings or more, FAIL when naive/rollup over the whole range is
#      below REPORTS_MIN_RATIO (default 20);
#   4. each report endpoint over HTTP with the admin token, over the whole range and over the
#      default last 30 days: REPORT_REQUESTS sequential requests on one keep-alive connection
#      after two warm-ups; median, p90 and max (every answer must be 200);
#   5. the SQL each variant and each endpoint ran, captured from the server's general log (the
#      prepared statements with their values), with EXPLAIN and ANALYZE FORMAT=JSON (MariaDB; on
#      MySQL EXPLAIN ANALYZE) of each;
#   6. ROLLUP_CHANGES (default 1000) new bookings in the last month (seed-load again), the
#      holds the first load left pending expired (expire-bookings) and the pending ones that
#      are left cancelled through the API (up to 200), then rollup-sales timed (incremental:
#      the days changed since its watermark), then a full rebuild (the watermark reset, every
#      day recomputed) timed; after each, the three variants must agree again.
# A report over the whole range can pass the server's DB_READ_TIMEOUT_S (5 s) at 1M bookings;
# such an answer is a 500 and FAILs the section, with the server's log lines in the report.
# shellcheck shell=bash

BENCH_BOOKINGS="${BENCH_BOOKINGS:-1000000}"
BENCH_MONTHS="${BENCH_MONTHS:-24}"
REPORT_REQUESTS="${REPORT_REQUESTS:-10}"
REPORTS_MIN_RATIO="${REPORTS_MIN_RATIO:-20}"
ROLLUP_CHANGES="${ROLLUP_CHANGES:-1000}"
ROLLUP_OVERLAP_S="${ROLLUP_OVERLAP_S:-5}"
REPORTS_BUFFER_POOL_MB="${REPORTS_BUFFER_POOL_MB:-1536}"

reports_port=""
reports_pid=""
reports_url=""
reports_token=""
reports_bin=""

# Validates the section's knobs before the (slow) build; called by bench.sh's check_settings.
check_reports_settings() {
  # The ranges tiket-api seed-load accepts (check_range stops at six digits, so the load size is
  # checked apart).
  if ! [[ "$BENCH_BOOKINGS" =~ ^[1-9][0-9]{0,7}$ ]] || ((BENCH_BOOKINGS > 20000000)); then
    usage_error "BENCH_BOOKINGS must be a whole number in 1..20000000, got '$BENCH_BOOKINGS'"
  fi
  check_range BENCH_MONTHS "$BENCH_MONTHS" 1 120
  check_range REPORT_REQUESTS "$REPORT_REQUESTS" 1 1000
  check_range ROLLUP_CHANGES "$ROLLUP_CHANGES" 1 100000
  check_range ROLLUP_OVERLAP_S "$ROLLUP_OVERLAP_S" 0 86400
  check_range REPORTS_BUFFER_POOL_MB "$REPORTS_BUFFER_POOL_MB" 128 65536
  awk -v a="$REPORTS_MIN_RATIO" 'BEGIN { exit !(a + 0 > 0) }' ||
    usage_error "REPORTS_MIN_RATIO must be a positive number"
}

# reports_sql SQL [MYSQL_OPTION...]: db_query on the section's own database.
reports_sql() { DATABASE_URL="$reports_url" db_query "$@"; }

reports_login() {
  reports_token="$(curl -fsS -H 'Content-Type: application/json' \
    -d '{"email":"admin@tiket.test","password":"bench-demo-password"}' \
    "http://127.0.0.1:$reports_port/api/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
  [[ -n "$reports_token" ]] || die "reports: could not log in as the demo admin"
}

# reports_seed_load ARGS...: tiket-api seed-load on the section's database; prints its output.
reports_seed_load() {
  env APP_ENV=test LOCAL_DIR="$tmp_dir/app" DATABASE_URL="$reports_url" LOG_LEVEL=warn \
    DEMO_PASSWORD=bench-demo-password "$TIKET_BIN" seed-load "$@" 2>"$tmp_dir/seed-load.err" || {
    cat "$tmp_dir/seed-load.err" >&2
    die "seed-load $* failed"
  }
}

# run_job NAME: starts a manual run of NAME and waits for it (up to an hour). Sets JOB_MS (the
# run's own duration from job_runs, in ms), JOB_OUTCOME, JOB_ROWS and JOB_DETAIL.
run_job() {
  local name="$1" id="" i=0
  while [[ -z "$id" ]] && ((i++ < 600)); do # a run still holding the lease answers 409
    id="$(curl -sS -X POST -H "Authorization: Bearer $reports_token" \
      "http://127.0.0.1:$reports_port/api/admin/jobs/$name/run" | json_field run_id)"
    [[ -n "$id" ]] || sleep 0.5
  done
  [[ -n "$id" ]] || die "reports: could not start a run of $name"
  local deadline=$((SECONDS + 3600)) row=""
  while ((SECONDS < deadline)); do
    row="$(reports_sql "SELECT TIMESTAMPDIFF(MICROSECOND, started_at, finished_at), outcome,
      rows_affected, COALESCE(detail, '') FROM job_runs WHERE id = $id AND outcome IS NOT NULL")"
    [[ -z "$row" ]] || break
    check_alive
    sleep 0.5
  done
  [[ -n "$row" ]] || die "reports: run $id of $name did not finish within an hour"
  local us
  IFS=$'\t' read -r us JOB_OUTCOME JOB_ROWS JOB_DETAIL <<<"$row"
  JOB_MS="$(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1000 }')"
  [[ "$JOB_OUTCOME" == succeeded ]] || FAILED+=("reports(rollup $JOB_OUTCOME)")
}

# The general log as a table, on for one command: capture_sql FILE CMD... runs CMD and writes
# the SELECTs it sent that read the report tables, one per line, to FILE.
capture_sql() {
  local file="$1"
  shift
  reports_sql "SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = ON;
    TRUNCATE TABLE mysql.general_log"
  "$@" >/dev/null || log "capture: ${1##*/} failed"  # not $*: it may hold the token
  reports_sql "SET GLOBAL general_log = OFF"
  reports_sql "SELECT REPLACE(REPLACE(REPLACE(CONVERT(argument USING utf8mb4), '\n', ' '),
      '\r', ' '), '\t', ' ') FROM mysql.general_log
    WHERE command_type = 'Execute' AND argument LIKE 'SELECT%'
      AND argument REGEXP 'bookings|booking_items|sales_daily|ticket_types|request_counts'
    ORDER BY event_time" >"$file"
}

# explain_file TITLE FILE REPORT [VALUE...]: the EXPLAIN of every query in FILE into REPORT, and
# its ANALYZE FORMAT=JSON into REPORT.raw. MariaDB logs some executions with their `?` markers
# instead of the values (seen for a statement with a derived table); the VALUEs, SQL literals in
# the order of the markers, then fill them in.
explain_file() {
  local title="$1" file="$2" report="$3" q n=0 analyze="ANALYZE FORMAT=JSON" v
  shift 3
  local -a values=("$@")
  [[ "$(reports_sql 'SELECT VERSION()')" == *MariaDB* ]] || analyze="EXPLAIN ANALYZE"
  [[ -s "$file" ]] || {
    printf '\n%s: no query captured\n' "$title" >>"$report"
    return 0
  }
  while IFS= read -r q; do
    n=$((n + 1))
    if [[ "$q" == *"?"* ]]; then
      for v in "${values[@]}"; do q="${q/\?/$v}"; done
      if [[ "$q" == *"?"* ]]; then
        printf '\n%s, query %d: logged without its parameters, not explained:\n  %s\n' \
          "$title" "$n" "$q" >>"$report"
        continue
      fi
    fi
    {
      printf '\n%s, query %d:\n  %s\n' "$title" "$n" "$q"
      reports_sql "EXPLAIN $q" --table --column-names
    } >>"$report"
    {
      printf '\n===== %s, query %d: %s =====\n' "$title" "$n" "$analyze"
      reports_sql "$analyze $q" --raw
    } >>"$report.raw"
  done <"$file"
}

# utc_day_start DAY [DAYS_LATER]: where the business day DAY (+ DAYS_LATER) starts, in UTC, as
# the service computes a report's hour range.
utc_day_start() {
  local tz="${BUSINESS_TZ:-Asia/Jakarta}" day
  day="$(date -d "$1 +${2:-0} days" +%F)"
  date -u -d "TZ=\"$tz\" $day 00:00" '+%F %T'
}

# http_latency NAME PATH: REPORT_REQUESTS sequential GETs after two warm-ups on one keep-alive
# connection; one table row (median, p90, max in ms, and the answers that were not 200, which
# are also added to HTTP_BAD).
HTTP_BAD=0
http_latency() {
  local name="$1" path="$2" url i bad
  url="http://127.0.0.1:$reports_port$path"
  local -a args=()
  for ((i = 0; i < REPORT_REQUESTS + 2; i++)); do args+=(-o /dev/null "$url"); done
  curl -sS -H "Authorization: Bearer $reports_token" -w '%{http_code} %{time_total}\n' \
    "${args[@]}" >"$tmp_dir/latency.txt" || true
  tail -n +3 "$tmp_dir/latency.txt" >"$tmp_dir/latency-measured.txt"
  bad="$(awk -v want="$REPORT_REQUESTS" '$1 != 200 { b++ } END { print b + want - NR }' \
    "$tmp_dir/latency-measured.txt")"
  HTTP_BAD=$((HTTP_BAD + bad))
  # Which statuses, e.g. "503x1", after the row.
  local codes
  codes="$(awk '$1 != 200 { n[$1]++ } END { for (c in n) printf " %sx%d", c, n[c] }' \
    "$tmp_dir/latency-measured.txt")"
  awk '{ printf "%.3f\n", $2 * 1000 }' "$tmp_dir/latency-measured.txt" | sort -g |
    awk -v name="$name" -v bad="$bad" -v codes="$codes" '
      { t[NR] = $1 }
      END {
        if (NR == 0) { printf "%-34s %10s %10s %10s %6d\n", name, "-", "-", "-", bad; exit }
        p90 = int(NR * 0.9 + 0.999)
        med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
        printf "%-34s %10.1f %10.1f %10.1f %6d%s\n", name, med, t[p90], t[NR], bad, codes
      }'
}

# The medians (ms) of tiket-bench-reports' CSV: sets MONTHLY_MS[<variant>/<span>], e.g.
# MONTHLY_MS[naive/whole]. Names look like "Monthly/naive/whole/min_time:1.000/real_time_median".
declare -A MONTHLY_MS=()
read_monthly_medians() {
  local name value
  while IFS=, read -r name value; do
    MONTHLY_MS[$name]="$value"
  done < <(awk -F, '{ gsub(/"/, "", $1) }
    $1 ~ /^Monthly\// {
      n = $1; gsub(/\/(min_time:[0-9.]+|real_time)/, "", n); sub(/^Monthly\//, "", n)
      if (n ~ /_median$/) { sub(/_median$/, "", n); med[n] = $3 }
      else if (n !~ /_(mean|stddev|cv)$/) one[n] = $3
    }
    END {  # with one repetition there are no aggregates: the single run is the median
      for (n in med) print n "," med[n]
      for (n in one) if (!(n in med)) print n "," one[n]
    }' "$1")
}

# check_agree LABEL: the three variants once; FAIL unless they agree. Output to the report.
check_agree() {
  local label="$1" report="$2"
  printf '\nmonthly-sales %s (tiket-bench-reports --check, %s .. %s):\n' "$label" \
    "$REPORT_FROM" "$REPORT_TO" >>"$report"
  if ! env DATABASE_URL="$reports_url" REPORT_FROM="$REPORT_FROM" REPORT_TO="$REPORT_TO" \
    "$reports_bin" --check >>"$report" 2>&1; then
    FAILED+=("reports(variants disagree $label)")
  fi
}

bench_reports() {
  ensure_tmp_dir
  ensure_db
  reports_bin="${TIKET_BIN%/*}/tiket-bench-reports"
  [[ -x "$reports_bin" ]] || die "$reports_bin not found (built with the release preset)"
  # A database of its own: the other sections' bookings stay out of the numbers, and this one's
  # million rows stay out of theirs.
  reports_url="${DATABASE_URL%/*}/tiket_reports"
  if ((started_db)); then
    db_query "DROP DATABASE IF EXISTS tiket_reports"
    # The loaded tables (about 1 GB at 1M bookings) fit in memory: the benchmark compares query
    # plans, not the disk. Only on our throwaway server.
    db_query "SET GLOBAL innodb_buffer_pool_size = $REPORTS_BUFFER_POOL_MB * 1024 * 1024"
  fi
  db_query "CREATE DATABASE tiket_reports" ||
    die "cannot create the database tiket_reports (it must not exist on a DATABASE_URL server)"
  # REPORTS_ROLLUP_OVERLAP_S: rollup-sales looks again at changes this long before its
  # watermark (default 10 minutes, for transactions that commit late). The million bookings are
  # written minutes before the first run, so with the default overlap the incremental run would
  # re-read every day of the load; the section's changes come seconds apart, and no transaction
  # here stays open for ROLLUP_OVERLAP_S.
  start_tiket "$tmp_dir/tiket-api-reports.log" reports_pid reports_port \
    DATABASE_URL="$reports_url" JOBS_ENABLED=false REPORTS_ROLLUP_OVERLAP_S="$ROLLUP_OVERLAP_S"
  log "reports: tiket-api pid $reports_pid on 127.0.0.1:$reports_port (database tiket_reports)"
  env APP_ENV=test LOCAL_DIR="$tmp_dir/app" DATABASE_URL="$reports_url" \
    DEMO_PASSWORD=bench-demo-password "$TIKET_BIN" seed-demo >"$tmp_dir/seed-reports.log" 2>&1 || {
    cat "$tmp_dir/seed-reports.log" >&2
    die "seed-demo failed"
  }

  local report
  report="$(report_path reports)"
  report_header "$report" \
    "reports: the five report endpoints and the three monthly-sales variants on $BENCH_BOOKINGS bookings"

  # ---- load
  log "reports: seed-load $BENCH_BOOKINGS bookings over $BENCH_MONTHS months"
  {
    printf 'load: tiket-api seed-load --bookings %s --months %s --seed 1\n' "$BENCH_BOOKINGS" \
      "$BENCH_MONTHS"
    reports_seed_load --bookings "$BENCH_BOOKINGS" --months "$BENCH_MONTHS" --seed 1 | sed 's/^/  /'
  } >>"$report"
  reports_sql "ANALYZE TABLE bookings, booking_items, ticket_types, concerts, users, payments" \
    >/dev/null
  reports_sql "SELECT CONCAT('  tables: ', ROUND(SUM(data_length + index_length) / 1048576),
      ' MB (data and indexes, information_schema)') FROM information_schema.tables
    WHERE table_schema = DATABASE()" >>"$report"
  reports_login
  # The load must be older than the rollup's overlap, or the incremental run below would count
  # its rows as changes (see ROLLUP_OVERLAP_S).
  sleep $((ROLLUP_OVERLAP_S + 1))

  # ---- first rollup
  log "reports: rollup-sales, first run"
  run_job rollup-sales
  printf '\nrollup-sales, first run (every day): %s ms, %s, rows %s\n' "$JOB_MS" "$JOB_OUTCOME" \
    "$JOB_ROWS" >>"$report"

  # ---- monthly-sales: agree, then measure
  REPORT_TO="$(TZ="${BUSINESS_TZ:-Asia/Jakarta}" date +%F)"
  # From the first of the month before the loaded window starts, so "whole" is every booking.
  REPORT_FROM="$(TZ="${BUSINESS_TZ:-Asia/Jakarta}" date -d "$REPORT_TO -$BENCH_MONTHS months -1 day" +%Y-%m-01)"
  check_agree "after the first rollup" "$report"
  log "reports: monthly-sales naive/indexed/rollup x $ROUNDS repetitions"
  local csv="$tmp_dir/reports.csv"
  if ! env DATABASE_URL="$reports_url" REPORT_FROM="$REPORT_FROM" REPORT_TO="$REPORT_TO" \
    "$reports_bin" --benchmark_repetitions="$ROUNDS" --benchmark_report_aggregates_only=true \
    --benchmark_format=csv >"$csv" 2>"$csv.err"; then
    cat "$csv.err" >&2
    FAILED+=("reports(benchmark)")
  fi
  read_monthly_medians "$csv"
  local span naive indexed rollup r_rollup r_indexed verdict=PASS
  printf '\nmonthly-sales in process, median of %s repetitions (ms per report):\n' "$ROUNDS" >>"$report"
  printf '  %-34s %10s %10s %10s %14s %14s\n' range naive indexed rollup naive/indexed \
    naive/rollup >>"$report"
  for span in whole 30days; do
    naive="${MONTHLY_MS[naive/$span]:-0}"
    indexed="${MONTHLY_MS[indexed/$span]:-0}"
    rollup="${MONTHLY_MS[rollup/$span]:-0}"
    r_rollup="$(ratio "$naive" "$rollup")"
    r_indexed="$(ratio "$naive" "$indexed")"
    printf '  %-34s %10.2f %10.2f %10.3f %13sx %13sx\n' \
      "$span ($([[ $span == whole ]] && echo "$REPORT_FROM .. $REPORT_TO" || echo "last 30 days"))" \
      "$naive" "$indexed" "$rollup" "$r_indexed" "$r_rollup" >>"$report"
    if [[ "$span" == whole ]] && ((BENCH_BOOKINGS >= 1000000)) &&
      ! at_least "$r_rollup" "$REPORTS_MIN_RATIO"; then
      verdict=FAIL
      FAILED+=("reports(naive/rollup $r_rollup < $REPORTS_MIN_RATIO)")
    fi
  done
  printf '  target: naive/rollup >= %s over the whole range at 1M bookings: %s\n' \
    "$REPORTS_MIN_RATIO" \
    "$( ((BENCH_BOOKINGS >= 1000000)) && echo "$verdict" || echo "informational below 1M")" \
    >>"$report"

  # ---- the endpoints over HTTP
  reports_login
  local last30 from="$REPORT_FROM" to="$REPORT_TO"
  last30="$(TZ="${BUSINESS_TZ:-Asia/Jakarta}" date -d "$REPORT_TO -29 days" +%F)"
  local -a endpoints=(
    "top-customers (whole range)=/api/reports/top-customers?from=$from&to=$to&limit=10"
    "top-customers (30 days)=/api/reports/top-customers?limit=10"
    "sales-by-city (whole range)=/api/reports/sales-by-city?from=$from&to=$to&limit=20"
    "sales-by-city (30 days)=/api/reports/sales-by-city"
    "stock (every concert)=/api/reports/stock?limit=1000"
    "requests-per-hour (whole range)=/api/reports/requests-per-hour?from=$from&to=$to&limit=200"
    "requests-per-hour (30 days)=/api/reports/requests-per-hour"
    "monthly-sales (whole range)=/api/reports/monthly-sales?from=$from&to=$to"
    "monthly-sales (30 days)=/api/reports/monthly-sales"
  )
  log "reports: ${#endpoints[@]} endpoint queries x $REPORT_REQUESTS requests"
  {
    printf '\nendpoints over HTTP (admin token; %s sequential requests each after 2 warm-ups;\n' \
      "$REPORT_REQUESTS"
    printf 'whole range %s .. %s, 30 days %s .. %s):\n' "$from" "$to" "$last30" "$to"
    printf '%-34s %10s %10s %10s %6s\n' report "median ms" "p90 ms" "max ms" "!200"
  } >>"$report"
  local e
  for e in "${endpoints[@]}"; do
    http_latency "${e%%=*}" "${e#*=}" >>"$report"
  done
  if ((HTTP_BAD > 0)); then
    FAILED+=("reports($HTTP_BAD answers were not 200)")
    {
      printf 'the server log on the answers that were not 200:\n'
      grep -E '"status":[45][0-9][0-9]|"level":"(warn|error)"' "$tmp_dir/tiket-api-reports.log" |
        grep -v '/api/bookings/' | tail -n 20 || true
    } >>"$report"
  fi

  # ---- EXPLAIN of every variant and every endpoint's query
  log "reports: capturing and explaining the SQL"
  printf '\n----- EXPLAIN (ANALYZE FORMAT=JSON in the raw part at the end) -----\n' >>"$report"
  local v
  for v in naive indexed rollup; do
    capture_sql "$tmp_dir/sql-$v.txt" env DATABASE_URL="$reports_url" REPORT_FROM="$from" \
      REPORT_TO="$to" "$reports_bin" --variant "$v"
    explain_file "monthly-sales $v" "$tmp_dir/sql-$v.txt" "$report"
  done
  for e in "${endpoints[@]}"; do
    [[ "$e" == *"(30 days)"* ]] && continue
    capture_sql "$tmp_dir/sql-endpoint.txt" curl -fsS -o /dev/null -H "Authorization: Bearer $reports_token" \
      "http://127.0.0.1:$reports_port${e#*=}"
    # The parameters in marker order, for a query logged with its markers (see explain_file).
    local -a values=()
    case "$e" in
      top-customers*) values=("'$from'" "'$to'" 10) ;;
      sales-by-city*) values=("'$from'" "'$to'" 20) ;;
      stock*) values=(1000) ;;
      requests-per-hour*) values=("'$(utc_day_start "$from")'" "'$(utc_day_start "$to" 1)'" 200) ;;
      monthly-sales*) values=("'$from'" "'$to'") ;;
    esac
    explain_file "GET ${e%%=*}" "$tmp_dir/sql-endpoint.txt" "$report" "${values[@]}"
  done
  printf '\n----- end of EXPLAIN -----\n' >>"$report"

  # ---- incremental rollup against a full rebuild
  log "reports: $ROLLUP_CHANGES new bookings, cancellations, incremental rollup, full rebuild"
  {
    printf '\nincremental rollup: tiket-api seed-load --bookings %s --months 1 --seed 2\n' \
      "$ROLLUP_CHANGES"
    reports_seed_load --bookings "$ROLLUP_CHANGES" --months 1 --seed 2 | sed 's/^/  /'
  } >>"$report"
  reports_login
  # The holds the first load left pending have ended meanwhile: the expiry job (scheduled jobs
  # are off on this server) expires them, as it would have on its schedule.
  run_job expire-bookings
  local expired_rows="$JOB_ROWS"
  local code cancelled=0
  while IFS= read -r code; do
    if curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $reports_token" \
      "http://127.0.0.1:$reports_port/api/bookings/$code/cancel"; then
      cancelled=$((cancelled + 1))
    fi
  done < <(reports_sql "SELECT code FROM bookings WHERE status = 'pending_payment'
    AND expires_at > UTC_TIMESTAMP(6) ORDER BY id LIMIT 200")
  local changed days
  changed="$(reports_sql "SELECT COUNT(*) FROM bookings WHERE updated_at >= (SELECT watermark
    FROM rollup_watermarks WHERE name = 'sales_daily')")"
  days="$(reports_sql "SELECT COUNT(DISTINCT business_day) FROM bookings WHERE updated_at >=
    (SELECT watermark FROM rollup_watermarks WHERE name = 'sales_daily')")"
  run_job rollup-sales
  local inc_ms="$JOB_MS" inc_detail="$JOB_DETAIL"
  check_agree "after $changed changed bookings and the incremental rollup" "$report"
  reports_sql "UPDATE rollup_watermarks SET watermark = '1970-01-01 00:00:01'
    WHERE name = 'sales_daily'"
  run_job rollup-sales
  local full_ms="$JOB_MS" full_detail="$JOB_DETAIL"
  check_agree "after a full rebuild" "$report"
  {
    printf '\n  REPORTS_ROLLUP_OVERLAP_S=%s on this server (the default is 600)\n' "$ROLLUP_OVERLAP_S"
    printf '  expire-bookings expired %s overdue holds of the first load\n' "$expired_rows"
    printf '  %s pending bookings cancelled through POST /api/bookings/{code}/cancel\n' "$cancelled"
    printf '  changed since the watermark: %s bookings on %s business days\n' "$changed" "$days"
    printf '  rollup-sales incremental: %10s ms  %s\n' "$inc_ms" "$inc_detail"
    printf '  rollup-sales full:        %10s ms  %s\n' "$full_ms" "$full_detail"
    printf '  full/incremental: %sx\n' "$(ratio "$full_ms" "$inc_ms")"
  } >>"$report"

  {
    printf '\n----- raw Google Benchmark output (csv) -----\n'
    cat "$csv"
  } >>"$report"
  if [[ -f "$report.raw" ]]; then
    {
      printf '\n----- raw ANALYZE output -----\n'
      cat "$report.raw"
    } >>"$report"
    rm -f -- "$report.raw"
  fi
  print_summary "$report"
}
