# Sourced by bench.sh: the nginx reference server (config in nginx.conf.in).
# shellcheck shell=bash

nginx_pid=""
nginx_port=""

# Starts nginx from the package with its own config, prefix, pid and temp
# dirs under the temp dir, so it never touches /etc/nginx or /var/lib/nginx.
# `daemon off` keeps the master as our child, so we own its pid.
ensure_nginx() {
  [[ -z "$nginx_pid" ]] || return 0
  ensure_tmp_dir
  local prefix="$tmp_dir/nginx" attempt
  mkdir -p "$prefix/logs" "$prefix/tmp"
  for attempt in 1 2 3; do
    nginx_port="$(free_port)"
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$nginx_port|g" \
      "$REPO_ROOT/scripts/lib/nginx.conf.in" >"$prefix/nginx.conf"
    # -e: the error log before the config is read (the built-in default is
    # stderr here, but another build may point into /var/log).
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" &
    nginx_pid=$!
    track_pid "$nginx_pid" nginx
    PROCESS_LOG[$nginx_pid]="$prefix/logs/error.log"
    local i
    for ((i = 0; i < 50; i++)); do
      if ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
      if curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/"; then
        log "nginx pid $nginx_pid on 127.0.0.1:$nginx_port"
        check_keepalive "http://127.0.0.1:$nginx_port/healthz" nginx
        return 0
      fi
      sleep 0.1
    done
    log "nginx did not come up on port $nginx_port (attempt $attempt):"
    tail -n 5 "$prefix/logs/error.log" >&2 || true
    stop_pid "$nginx_pid" nginx
    untrack_pid "$nginx_pid"
    nginx_pid=""
  done
  die "could not start nginx"
}
