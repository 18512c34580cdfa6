# Sourced by test.sh and bench.sh. free_port prints a TCP port on 127.0.0.1 that nothing
# listens on: random in 20000-29999, below Linux's ephemeral range (32768+) so outgoing
# connections (wrk's, the tests') cannot take it. A connect via bash's /dev/tcp fails when the
# port is free. Returns 1 when none was found after 50 tries.
# shellcheck shell=bash
free_port() {
  local port i
  for ((i = 0; i < 50; i++)); do
    port=$((20000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  echo "no free port found on 127.0.0.1" >&2
  return 1
}
