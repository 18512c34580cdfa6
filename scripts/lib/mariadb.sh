# Sourced by bench.sh: the benchmark database. DATABASE_URL when set; otherwise a throwaway
# private MariaDB (scripts/db.sh) in the temp dir on a free port, removed on exit.
# shellcheck shell=bash

started_db=0

ensure_db() {
  [[ -z "${DATABASE_URL:-}" ]] || return 0
  ensure_tmp_dir
  # The port can be taken between the check and the server's bind; the data
  # directory is reusable, so just try another port (as test.sh does).
  local attempt port
  for attempt in 1 2 3; do
    port="$(free_port)"
    started_db=1 # from here on a half-started server must be stopped too
    if LOCAL_DIR="$tmp_dir" DB_PORT="$port" "$REPO_ROOT/scripts/db.sh" start >&2; then
      DATABASE_URL="$(LOCAL_DIR="$tmp_dir" "$REPO_ROOT/scripts/db.sh" url)"
      export DATABASE_URL
      return 0
    fi
    log "throwaway DB did not start on port $port (attempt $attempt)"
  done
  die "could not start the throwaway DB"
}

# From the EXIT trap: stops the throwaway DB if this run started it.
stop_db() {
  ((started_db)) || return 0
  LOCAL_DIR="$tmp_dir" "$REPO_ROOT/scripts/db.sh" stop >/dev/null
}

# The throwaway DB's pid (for pinning it to a core), or nothing when the DB is not ours.
db_pid() {
  ((started_db)) || return 0
  tr -dc '0-9' <"$tmp_dir/mysql/mysqld.pid" 2>/dev/null || true
}

# db_query SQL [MYSQL_OPTION...]: runs SQL (one or more statements) on the bench database with
# the mysql client and prints the results without headers (options such as --table
# --column-names override that).
db_query() {
  local rest="${DATABASE_URL#mysql://}" creds host_port db user pass host port
  creds="${rest%%@*}"
  rest="${rest#*@}"
  host_port="${rest%%/*}"
  db="${rest#*/}"
  db="${db%%\?*}"
  user="${creds%%:*}"
  pass=""
  [[ "$creds" != *:* ]] || pass="${creds#*:}"
  host="${host_port%%:*}"
  port="3306"
  [[ "$host_port" != *:* ]] || port="${host_port##*:}"
  MYSQL_PWD="$pass" mysql --protocol=TCP -h "$host" -P "$port" -u "$user" -N -B "${@:2}" "$db" -e "$1"
}
