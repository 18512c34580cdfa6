#!/usr/bin/env bash
# Private MySQL-compatible server (MariaDB from Debian) for local runs and tests.
#
# Usage: scripts/db.sh {start|stop|status|url|wait}
#
#   start   initialise on first use, start if not running, wait until it answers
#   stop    clean shutdown (mariadb-admin over the socket, SIGTERM as fallback)
#   status  exit 0 when the server is running and answers
#   url     print mysql://tiket:<password>@127.0.0.1:<port>/tiket
#   wait    wait (bounded) until a running server answers
#
# Environment:
#   LOCAL_DIR        state directory (default <repo>/.local; a relative path is
#                    taken relative to the repo root). Everything lives in
#                    $LOCAL_DIR/mysql: data/, my.cnf, socket, pid, error.log,
#                    app-password.
#   DB_PORT          TCP port on 127.0.0.1 (default 3307, so a system MySQL on
#                    3306 is left alone). Read by `start`; the other commands use
#                    the port the server was started with.
#   DB_WAIT_TIMEOUT  seconds to wait for the server to answer / to stop (default 60)
#
# Two servers with different LOCAL_DIR and DB_PORT can run side by side; test.sh
# uses that to start a throwaway server in a temp dir.
#
# The server never reads /etc/mysql: every program gets our own --defaults-file
# (or --no-defaults), so the machine's MariaDB configuration cannot leak in.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

LOCAL_DIR="${LOCAL_DIR:-.local}"
if [[ "$LOCAL_DIR" != /* ]]; then
  LOCAL_DIR="$REPO_ROOT/$LOCAL_DIR"
fi
DB_WAIT_TIMEOUT="${DB_WAIT_TIMEOUT:-60}"

MY_DIR="$LOCAL_DIR/mysql"
DATA_DIR="$MY_DIR/data"
CNF="$MY_DIR/my.cnf"
PID_FILE="$MY_DIR/mysqld.pid"
LOG_FILE="$MY_DIR/error.log"
PASSWORD_FILE="$MY_DIR/app-password"
PORT_FILE="$MY_DIR/port"
# Written only after mariadb-install-db succeeded, so a half-initialised data
# directory (install interrupted) is detected and redone instead of trusted.
INIT_MARKER="$MY_DIR/.initialized"

APP_DB="tiket"
APP_USER="tiket"

# Unix socket paths are limited to 107 bytes. A deep checkout would push the
# socket past that and the server would refuse to start, so in that case the
# socket goes to /tmp under a name derived from MY_DIR (stable across runs,
# distinct per LOCAL_DIR).
SOCKET="$MY_DIR/mysqld.sock"
if ((${#SOCKET} > 100)); then
  SOCKET="/tmp/tiket-db-$(printf '%s' "$MY_DIR" | cksum | cut -d' ' -f1).sock"
fi

# The admin connection goes through the unix socket with unix_socket auth:
# mariadb-install-db grants that to root and to the OS user who owns the data.
ADMIN_USER="$(id -un)"

log() { printf 'db: %s\n' "$*"; }
die() {
  printf 'db: error: %s\n' "$*" >&2
  exit 1
}

pick() { # first of the given commands that exists
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

find_tools() {
  # mariadbd is the MariaDB name; mysqld is the compatibility name (and the
  # only one on older or MySQL installs). /usr/sbin is often not on a
  # non-root user's PATH, so look there too.
  MYSQLD="$(PATH="$PATH:/usr/sbin:/usr/local/sbin" pick mariadbd mysqld)" ||
    die "neither mariadbd nor mysqld found (run scripts/install-deps.sh)"
  INSTALL_DB="$(PATH="$PATH:/usr/sbin:/usr/local/sbin" pick mariadb-install-db mysql_install_db)" ||
    die "neither mariadb-install-db nor mysql_install_db found"
  CLIENT="$(pick mariadb mysql)" || die "neither mariadb nor mysql client found"
  ADMIN="$(pick mariadb-admin mysqladmin)" || die "neither mariadb-admin nor mysqladmin found"
}

# Port the running (or last started) server uses: `url`/`status` must report
# what the server actually listens on, even if DB_PORT is not set for them.
current_port() {
  if [[ -f "$PORT_FILE" ]]; then
    cat "$PORT_FILE"
  else
    printf '%s\n' "${DB_PORT:-3307}"
  fi
}

# PID of our server, or nothing. The pid file alone is not trusted: after a
# crash or reboot the number may belong to another process, so we also check
# that the process was started with our defaults file.
server_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--defaults-file=$CNF" || return 1
  printf '%s\n' "$pid"
}

is_running() { server_pid >/dev/null; }

admin() {
  "$ADMIN" --no-defaults --protocol=socket --socket="$SOCKET" --user="$ADMIN_USER" \
    --connect-timeout=5 "$@"
}

sql() { # run SQL from stdin as the admin user
  "$CLIENT" --no-defaults --protocol=socket --socket="$SOCKET" --user="$ADMIN_USER" \
    --connect-timeout=5 --batch
}

answers() { # the server accepts an authenticated query
  sql <<<'SELECT 1' >/dev/null 2>&1
}

show_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    printf 'db: last lines of %s:\n' "$LOG_FILE" >&2
    tail -n 40 "$LOG_FILE" >&2
  fi
}

port_in_use() {
  # Bash's /dev/tcp connect succeeds only if something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_cnf() {
  local port="$1"
  # Root may not run mariadbd without --user=root; anyone else must not pass
  # --user (the server warns and ignores it).
  local user_line=""
  if ((EUID == 0)); then
    user_line="user = root"
  fi
  cat >"$CNF" <<EOF
# Generated by scripts/db.sh on every start; edits are overwritten.
[mysqld]
$user_line
datadir = $DATA_DIR
socket = $SOCKET
pid-file = $PID_FILE
log-error = $LOG_FILE
port = $port
# Private dev/test server: loopback only, no DNS lookups for client hosts.
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
# Times are stored in UTC (docs/architecture.md); GitHub's MySQL container runs in
# UTC too, so NOW() behaves the same in both places.
default-time-zone = +00:00
# MySQL 8's default sql_mode, so SQL that MySQL 8 (CI, compose) rejects
# fails here too.
sql-mode = ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION
# Modest sizes for a 2-core dev box; tests create and drop many databases.
innodb_buffer_pool_size = 256M
innodb_log_file_size = 64M
# Flush the redo log once a second instead of per commit: much faster tests,
# and losing the last second on a power cut is fine for throwaway data.
innodb_flush_log_at_trx_commit = 2
max_connections = 200
skip-log-bin
EOF
}

init_datadir() {
  if [[ -d "$DATA_DIR" ]]; then
    log "data directory $DATA_DIR is incomplete (earlier init interrupted); re-initialising"
    rm -rf -- "$DATA_DIR"
  fi
  mkdir -p "$DATA_DIR"
  log "initialising $DATA_DIR"
  local args=(
    --defaults-file="$CNF"
    --datadir="$DATA_DIR"
    --auth-root-authentication-method=socket
    --auth-root-socket-user="$ADMIN_USER"
    --skip-test-db
    --skip-name-resolve
  )
  if ((EUID == 0)); then
    args+=(--user=root)
  fi
  if ! "$INSTALL_DB" "${args[@]}" >"$MY_DIR/install-db.log" 2>&1; then
    cat "$MY_DIR/install-db.log" >&2
    die "$(basename "$INSTALL_DB") failed"
  fi
  touch "$INIT_MARKER"
}

# Wait until the server answers, the process dies, or the timeout expires.
wait_ready() {
  local deadline=$((SECONDS + DB_WAIT_TIMEOUT))
  while ((SECONDS < deadline)); do
    if answers; then
      return 0
    fi
    if [[ -n "${1:-}" ]] && ! kill -0 "$1" 2>/dev/null; then
      show_log_tail
      die "server exited during startup"
    fi
    sleep 0.5
  done
  show_log_tail
  die "server did not answer within ${DB_WAIT_TIMEOUT}s"
}

new_password() {
  # 16 random bytes as 32 hex characters: URL-safe, no quoting issues in SQL.
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# Create the app database and user. Run on every start: it is idempotent and
# repairs a server whose first start was interrupted before this step.
bootstrap_app_user() {
  local password
  if [[ -s "$PASSWORD_FILE" ]]; then
    password="$(cat "$PASSWORD_FILE")"
  else
    password="$(new_password)"
    # Write via a temp file with umask 077 so the password is never readable
    # by others, not even for a moment, and never half-written.
    (umask 077 && printf '%s\n' "$password" >"$PASSWORD_FILE.tmp")
    mv -f "$PASSWORD_FILE.tmp" "$PASSWORD_FILE"
  fi
  chmod 600 "$PASSWORD_FILE"
  # The password goes through stdin, never the command line (ps would show it).
  # ALL ON *.* WITH GRANT OPTION: integration tests create throwaway databases.
  sql <<EOF
CREATE DATABASE IF NOT EXISTS \`$APP_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$APP_USER'@'localhost' IDENTIFIED BY '$password';
ALTER USER '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER '$APP_USER'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'localhost' WITH GRANT OPTION;
EOF
}

cmd_start() {
  find_tools
  mkdir -p "$MY_DIR"
  chmod 700 "$MY_DIR"
  # Serialise start/stop on one LOCAL_DIR (e.g. two terminals running run.sh).
  exec 9>"$MY_DIR/.lock"
  flock -w $((DB_WAIT_TIMEOUT * 2)) 9 || die "another db.sh holds $MY_DIR/.lock"

  local pid port
  if pid="$(server_pid)"; then
    port="$(current_port)"
    if [[ -n "${DB_PORT:-}" && "$DB_PORT" != "$port" ]]; then
      log "warning: already running on port $port (DB_PORT=$DB_PORT ignored; stop first to change it)" >&2
    fi
    wait_ready "$pid"
    log "already running (pid $pid, port $port)"
    return 0
  fi

  port="${DB_PORT:-3307}"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    die "DB_PORT must be a TCP port number, got '$port'"
  fi
  if port_in_use "$port"; then
    die "port $port on 127.0.0.1 is already in use; set DB_PORT to a free port"
  fi

  write_cnf "$port"
  printf '%s\n' "$port" >"$PORT_FILE"
  if [[ ! -f "$INIT_MARKER" ]]; then
    init_datadir
  fi

  rm -f "$PID_FILE"
  log "starting $(basename "$MYSQLD") on 127.0.0.1:$port (log: $LOG_FILE)"
  # setsid: own session, so a Ctrl-C in the terminal running run.sh does not
  # hit the server too (run.sh stops it in order, after the service).
  # All three standard streams are redirected so the server never holds the
  # caller's pipes open (a CI runner would otherwise wait for it forever).
  # --defaults-file must be the first option.
  # 9>&-: the server must not inherit the lock descriptor, or it would hold
  # the lock for its whole life and block the next start/stop.
  setsid "$MYSQLD" --defaults-file="$CNF" </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  local started=$!
  wait_ready "$started"
  bootstrap_app_user
  # The URL carries the password, so it is printed only on request (`url`).
  log "ready on 127.0.0.1:$port (database $APP_DB, user $APP_USER; scripts/db.sh url prints the URL)"
}

cmd_stop() {
  find_tools
  [[ -d "$MY_DIR" ]] || {
    log "not running"
    return 0
  }
  exec 9>"$MY_DIR/.lock"
  flock -w $((DB_WAIT_TIMEOUT * 2)) 9 || die "another db.sh holds $MY_DIR/.lock"

  local pid
  if ! pid="$(server_pid)"; then
    log "not running"
    return 0
  fi
  log "stopping (pid $pid)"
  # Clean shutdown over the socket first; SIGTERM does the same thing inside
  # the server and is the fallback when the admin login does not work.
  if ! admin shutdown >/dev/null 2>&1; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  local deadline=$((SECONDS + DB_WAIT_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      show_log_tail
      log "server did not stop within ${DB_WAIT_TIMEOUT}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
  log "stopped"
}

cmd_status() {
  find_tools
  local pid
  if ! pid="$(server_pid)"; then
    log "not running"
    return 1
  fi
  if ! answers; then
    log "process $pid is up but does not answer (starting or stuck?)"
    return 1
  fi
  log "running (pid $pid, port $(current_port), socket $SOCKET)"
}

cmd_url() {
  [[ -s "$PASSWORD_FILE" ]] || die "no $PASSWORD_FILE yet; run: scripts/db.sh start"
  printf 'mysql://%s:%s@127.0.0.1:%s/%s\n' \
    "$APP_USER" "$(cat "$PASSWORD_FILE")" "$(current_port)" "$APP_DB"
}

cmd_wait() {
  find_tools
  local pid
  pid="$(server_pid)" || die "not running"
  wait_ready "$pid"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) cmd_url ;;
  wait) cmd_wait ;;
  *)
    echo "usage: $0 {start|stop|status|url|wait}" >&2
    exit 2
    ;;
esac
