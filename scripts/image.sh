#!/usr/bin/env bash
# Build and smoke-test the Tiket container image without a Docker engine.
#
# Usage: scripts/image.sh {base|build|smoke|all}
#
#   base   debootstrap a Debian 12 (bookworm, minbase) root filesystem and
#          import it as the local base image $BASE_IMAGE. Idempotent: nothing
#          happens when the image exists; the rootfs tarball is cached in
#          .local/image-base/, so a removed image is re-imported without a new
#          debootstrap. To start over: `buildah rmi $BASE_IMAGE` and delete
#          .local/image-base/.
#   build  buildah build --isolation chroot of ./Dockerfile on top of
#          $BASE_IMAGE, tagged $IMAGE.
#   smoke  checks on $IMAGE, no database needed: `tiket-api --help` prints the
#          usage; with APP_ENV=production and no DATABASE_URL it exits 2 with a
#          one-line `DATABASE_URL:` error; it runs as uid 10001; every shared
#          library resolves; the migrations and the data files (common
#          passwords, demo catalogue) are readable; the HEALTHCHECK
#          survived. With SMOKE_DATABASE_URL set it also seeds the demo data,
#          serves on SMOKE_PORT against that database, checks /healthz, /readyz,
#          /openapi.yaml and /docs, and runs the Postman collection against it
#          (tests/api/run-collection.js, when npm ci has run; every folder but
#          payments, which needs the fake gateway).
#          Exits non-zero on the first failed check.
#   all    base, build, smoke.
#
# Environment:
#   IMAGE                   image to build and smoke-test (default tiket-api:dev)
#   BASE_IMAGE              local base image (default localhost/debian:bookworm)
#   DEBIAN_MIRROR           Debian archive for debootstrap and for the base
#                           image's apt sources (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  security archive written into the base image's apt
#                           sources (default http://deb.debian.org/debian-security)
#   SMOKE_DATABASE_URL      optional: mysql://user:password@127.0.0.1:port/db
#   SMOKE_PORT              port for that serve check (default 18111)
#
# Why buildah and not docker: CI and dev boxes have no Docker engine and cannot
# reach Docker Hub. buildah builds the Dockerfile with chroot isolation (no
# daemon, no namespaces needed); the Dockerfile itself stays plain and works
# with `docker build` as well.
#
# Needs root for debootstrap and for buildah's image store: when not root,
# every privileged command goes through sudo (images then live in root's
# store, /var/lib/containers). Missing tools (buildah, debootstrap) are
# installed with apt on first use.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

IMAGE="${IMAGE:-tiket-api:dev}"
BASE_IMAGE="${BASE_IMAGE:-localhost/debian:bookworm}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SMOKE_PORT="${SMOKE_PORT:-18111}"
SUITE="bookworm"
CACHE_DIR="$REPO_ROOT/.local/image-base"
BASE_TAR="$CACHE_DIR/$SUITE-minbase.tar"

log() { echo "image: $*"; }
die() {
  echo "image: $*" >&2
  exit 1
}

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not available"
  SUDO=(sudo)
fi

# Every buildah call goes through this (root's image store, see above).
BUILDAH=("${SUDO[@]}" buildah)

# Install the Debian packages that provide the given commands, when missing.
# Arguments are command:package pairs.
need_tools() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  "${SUDO[@]}" apt-get update
  # env, because sudo would drop DEBIAN_FRONTEND from the environment.
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

image_exists() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------
# base

# debootstrap into a scratch directory and pack it into $BASE_TAR. The
# tarball (not the directory) is the cache: one file, written atomically.
debootstrap_rootfs() {
  local rootfs="$CACHE_DIR/rootfs.tmp"
  mkdir -p "$CACHE_DIR"
  "${SUDO[@]}" rm -rf -- "$rootfs" "$BASE_TAR.tmp"
  log "debootstrap $SUITE (minbase) from $DEBIAN_MIRROR"
  # minbase: essential packages + apt, close to the official debian:bookworm
  # image; the Dockerfile installs everything else.
  "${SUDO[@]}" debootstrap --variant=minbase --components=main \
    "$SUITE" "$rootfs" "$DEBIAN_MIRROR"
  # Host files debootstrap copied in, and caches an image does not need
  # (the Dockerfile runs apt-get update before every install).
  "${SUDO[@]}" rm -rf -- "$rootfs/etc/hostname" "$rootfs/var/lib/apt/lists/"* \
    "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb
  "${SUDO[@]}" truncate -s 0 "$rootfs/etc/resolv.conf"
  "${SUDO[@]}" tar --numeric-owner --xattrs -C "$rootfs" -cf "$BASE_TAR.tmp" .
  "${SUDO[@]}" mv -- "$BASE_TAR.tmp" "$BASE_TAR"
  "${SUDO[@]}" rm -rf -- "$rootfs"
}

# Import $BASE_TAR as $BASE_IMAGE: unpack it into an empty working container
# (buildah mount, so ownership, modes and setuid bits come through as they are)
# and commit it with the same config as the official image.
import_base() {
  local ctr mnt
  ctr="$("${BUILDAH[@]}" from scratch)"
  # Remove the working container even when a step below fails.
  # shellcheck disable=SC2064 # expand $ctr now
  trap "${SUDO[*]} buildah rm '$ctr' >/dev/null 2>&1 || true" EXIT
  mnt="$("${BUILDAH[@]}" mount "$ctr")"
  "${SUDO[@]}" tar --numeric-owner --xattrs -xpf "$BASE_TAR" -C "$mnt"
  # Same sources as the official image (deb822, with -updates and -security),
  # pointing at the mirror this base came from.
  "${SUDO[@]}" rm -f -- "$mnt/etc/apt/sources.list"
  "${SUDO[@]}" tee "$mnt/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # The apt settings the official image ships (debuerreotype): never keep
  # downloaded .debs or the binary package cache in a layer, no translations.
  "${SUDO[@]}" tee "$mnt/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' |
    "${SUDO[@]}" tee "$mnt/etc/apt/apt.conf.d/docker-no-languages" >/dev/null
  echo 'Apt::AutoRemove::SuggestsImportant "false";' |
    "${SUDO[@]}" tee "$mnt/etc/apt/apt.conf.d/docker-autoremove-suggests" >/dev/null
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash "$ctr"
  # debootstrap installs from the release suite only; bring in the -updates
  # and -security fixes the official image already carries.
  log "applying $SUITE-updates and $SUITE-security"
  "${BUILDAH[@]}" run --isolation chroot "$ctr" -- sh -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq &&
     apt-get clean && rm -rf /var/lib/apt/lists/*'
  "${BUILDAH[@]}" commit --quiet "$ctr" "$BASE_IMAGE" >/dev/null
  "${BUILDAH[@]}" rm "$ctr" >/dev/null
  trap - EXIT
}

cmd_base() {
  need_tools buildah:buildah
  if image_exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE present"
    return 0
  fi
  if [[ ! -s "$BASE_TAR" ]]; then
    need_tools debootstrap:debootstrap
    debootstrap_rootfs
  else
    log "using cached rootfs $BASE_TAR"
  fi
  import_base
  log "base image $BASE_IMAGE imported"
}

# ---------------------------------------------------------------------------
# build

cmd_build() {
  need_tools buildah:buildah
  image_exists "$BASE_IMAGE" || die "no base image $BASE_IMAGE (run: scripts/image.sh base)"
  # The web app the image serves at / (web/dist): npm ci and vite build when out of date.
  scripts/build-web.sh
  log "building $IMAGE from $BASE_IMAGE"
  # --isolation chroot: no container runtime or user namespaces needed.
  # --format docker: the OCI format has no HEALTHCHECK and would drop it.
  # --pull=never: the base is local; there is no registry to ask.
  "${BUILDAH[@]}" build \
    --isolation chroot \
    --format docker \
    --pull=never \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "TIKET_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
    --file Dockerfile \
    --tag "$IMAGE" \
    .
  log "built $IMAGE ($(image_size "$IMAGE"))"
}

image_size() {
  "${BUILDAH[@]}" images --format '{{.Size}}' "$1" 2>/dev/null | head -n 1
}

# ---------------------------------------------------------------------------
# smoke

SMOKE_CTR=""
SMOKE_PID=""
SMOKE_LOG=""

# Runs from the EXIT trap only; shellcheck cannot see that.
# shellcheck disable=SC2317
smoke_cleanup() {
  if [[ -n "$SMOKE_PID" ]]; then
    stop_server
  fi
  if [[ -n "$SMOKE_CTR" ]]; then
    "${BUILDAH[@]}" rm "$SMOKE_CTR" >/dev/null 2>&1 || true
  fi
  if [[ -n "$SMOKE_LOG" ]]; then
    rm -f -- "$SMOKE_LOG"
  fi
}

# in_ctr [buildah-run-option...] -- command [arg...]
# Run a command in the smoke container as the image's user, in its WORKDIR,
# with its ENV. chroot isolation shares the host network.
in_ctr() {
  local opts=()
  while (($# > 0)) && [[ "$1" != "--" ]]; do
    opts+=("$1")
    shift
  done
  shift # --
  "${BUILDAH[@]}" run --isolation chroot "${opts[@]}" "$SMOKE_CTR" -- "$@"
}

fail() {
  echo "image: smoke FAILED: $*" >&2
  exit 1
}
pass() { log "smoke ok: $*"; }

cmd_smoke() {
  need_tools buildah:buildah
  image_exists "$IMAGE" || die "no image $IMAGE (run: scripts/image.sh build)"
  SMOKE_CTR="$("${BUILDAH[@]}" from --pull=never "$IMAGE")"
  trap smoke_cleanup EXIT

  local out err rc
  out="$(in_ctr -- tiket-api --help)" || fail "tiket-api --help exited $?"
  [[ "$out" == "usage: tiket-api"* ]] || fail "tiket-api --help printed: $out"
  pass "--help prints usage"

  # The image carries the commit it was built from.
  local commit
  commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  out="$(in_ctr -- tiket-api --version)" || fail "tiket-api --version exited $?"
  [[ "$out" =~ ^tiket-api\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ${commit}\)$ ]] ||
    fail "tiket-api --version printed '$out', want the version and commit $commit"
  pass "--version names commit $commit"

  # Production must refuse to start on the development DATABASE_URL default:
  # exit 2, one line on stderr naming DATABASE_URL. buildah run passes no host
  # environment, so a DATABASE_URL in ours cannot leak in. buildah adds its own
  # "exited with status" lines to its stderr, so the program's stderr is
  # swapped onto stdout inside the container and buildah's is dropped.
  rc=0
  err="$(in_ctr --env APP_ENV=production -- \
    sh -c 'exec tiket-api serve 2>&1 >/dev/null' 2>/dev/null)" || rc=$?
  ((rc == 2)) || fail "APP_ENV=production without DATABASE_URL exited $rc, want 2 (stderr: $err)"
  [[ "$err" != *$'\n'* && "$err" == *"DATABASE_URL:"* ]] ||
    fail "want one DATABASE_URL: line on stderr, got: $err"
  pass "production without DATABASE_URL exits 2: $err"

  out="$(in_ctr -- id -u)"
  [[ "$out" == "10001" ]] || fail "runs as uid $out, want 10001"
  pass "runs as uid 10001"

  out="$(in_ctr -- ldd /usr/local/bin/tiket-api)" || fail "ldd failed"
  [[ "$out" != *"not found"* ]] || fail "missing shared libraries: $(grep 'not found' <<<"$out")"
  pass "all shared libraries resolve"

  # shellcheck disable=SC2016 # expanded by sh inside the container
  out="$(in_ctr -- sh -c 'cat "$MIGRATIONS_DIR"/*.sql | wc -c')" ||
    fail "migrations in \$MIGRATIONS_DIR are not readable"
  ((out > 0)) || fail "no migrations in \$MIGRATIONS_DIR"
  pass "migrations readable"

  # The data files the service and seed-demo read, where the image's environment says.
  # shellcheck disable=SC2016 # expanded by sh inside the container
  out="$(in_ctr -- sh -c 'wc -l <"$COMMON_PASSWORDS_FILE"')" ||
    fail "COMMON_PASSWORDS_FILE is not readable"
  ((out > 0)) || fail "COMMON_PASSWORDS_FILE is empty"
  # shellcheck disable=SC2016 # expanded by sh inside the container
  out="$(in_ctr -- sh -c 'grep -c "\"title\"" "$DEMO_CATALOG_FILE"')" ||
    fail "DEMO_CATALOG_FILE is not readable or lists no concerts"
  pass "data files readable (DEMO_CATALOG_FILE lists $out concerts)"

  out="$("${BUILDAH[@]}" inspect --type image --format '{{.Docker.Config.Healthcheck}}' "$IMAGE")"
  [[ "$out" == *"/healthz"* ]] || fail "image has no HEALTHCHECK (built without --format docker?)"
  pass "HEALTHCHECK present"

  if [[ -n "${SMOKE_DATABASE_URL:-}" ]]; then
    smoke_serve
  fi
  log "smoke passed for $IMAGE ($(image_size "$IMAGE"))"
}

# Serve against a real database and probe it from the host (chroot isolation
# shares the host network, so this is what `docker run --network host` does).
smoke_serve() {
  command -v curl >/dev/null 2>&1 || need_tools curl:curl
  local base="http://127.0.0.1:$SMOKE_PORT" i
  SMOKE_LOG="$(mktemp)"
  # Set on the throwaway working container rather than as `buildah run --env`,
  # so the password is not in a long-running process's argv (ps).
  # APP_ENV=test: production would also need a JWT key file, a login-code secret and SMTP;
  # test generates throwaway keys under LOCAL_DIR, which must be writable by the tiket user.
  "${BUILDAH[@]}" config --env "DATABASE_URL=$SMOKE_DATABASE_URL" \
    --env "PORT=$SMOKE_PORT" --env APP_ENV=test --env LOCAL_DIR=/tmp/tiket "$SMOKE_CTR"
  # The demo users and concerts the Postman collection logs in with and books.
  "${BUILDAH[@]}" run --isolation chroot "$SMOKE_CTR" -- tiket-api seed-demo >"$SMOKE_LOG" 2>&1 || {
    cat "$SMOKE_LOG" >&2
    fail "tiket-api seed-demo failed"
  }
  # A plain command, not in_ctr: $! must be buildah's (or sudo's) pid, not
  # that of a subshell running a function, or the kill below misses it.
  "${BUILDAH[@]}" run --isolation chroot "$SMOKE_CTR" -- tiket-api serve >"$SMOKE_LOG" 2>&1 &
  SMOKE_PID=$!
  local started_ns
  started_ns="$(date +%s%N)"
  for ((i = 0; i < 60; i++)); do
    curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
    # Through sudo too: as a user we may not signal sudo, even with 0.
    "${SUDO[@]}" kill -0 "$SMOKE_PID" 2>/dev/null || {
      cat "$SMOKE_LOG" >&2
      fail "tiket-api serve exited early"
    }
    sleep 0.5
  done
  log "start to ready: $((($(date +%s%N) - started_ns) / 1000000)) ms (serve until /readyz answered 200)"
  curl -fsS "$base/healthz" >/dev/null || fail "GET /healthz failed"
  pass "GET /healthz: $(curl -sS -o /dev/null -w '%{http_code}' "$base/healthz")"
  curl -fsS "$base/readyz" >/dev/null || {
    cat "$SMOKE_LOG" >&2
    fail "GET /readyz failed"
  }
  pass "GET /readyz: $(curl -sS -o /dev/null -w '%{http_code}' "$base/readyz")"
  # The API described where it runs: the description and Swagger UI from /app/static.
  local path
  for path in /openapi.yaml /docs /docs/swagger-ui-bundle.js; do
    curl -fsS -o /dev/null "$base$path" || fail "GET $path failed (static files missing?)"
  done
  pass "GET /openapi.yaml, /docs and the Swagger UI assets: 200"
  # The web app from /app/web: index.html at / and for a deep link, not cached.
  for path in / /concerts; do
    curl -fsS -H 'Accept: text/html' -D "$SMOKE_LOG.headers" -o "$SMOKE_LOG.body" "$base$path" ||
      fail "GET $path failed (web app missing?)"
    grep -q '<div id="root">' "$SMOKE_LOG.body" || fail "GET $path is not the web app's index.html"
    grep -qi '^cache-control: no-cache' "$SMOKE_LOG.headers" || fail "GET $path is cacheable"
  done
  pass "GET / and a deep link: the web app's index.html, no-cache"
  # The whole Postman collection against the container, each response checked against
  # docs/openapi.yaml (needs npm ci).
  if [[ -d node_modules/newman ]]; then
    # Every folder but payments, which pays through the fake gateway (scripts/api-test.sh runs it).
    node tests/api/run-collection.js --base-url "$base" --report-dir build/image-smoke \
      --folder ops,auth,users,catalog,bookings --label image ||
      fail "the Postman collection failed against the container"
    pass "the Postman collection (all folders but payments) passes against the container"
  fi
  stop_server
}

# Stop the server and wait for it. buildah's chroot runtime does not forward
# SIGTERM; it kills the process, so this does not exercise graceful shutdown.
stop_server() {
  "${SUDO[@]}" kill -TERM "$SMOKE_PID" 2>/dev/null || true
  wait "$SMOKE_PID" 2>/dev/null || true
  SMOKE_PID=""
}

# ---------------------------------------------------------------------------

timed() {
  local start=$SECONDS
  "cmd_$1"
  log "$1 took $((SECONDS - start))s"
}

case "${1:-}" in
  base | build | smoke) timed "$1" ;;
  all)
    timed base
    timed build
    timed smoke
    ;;
  *)
    echo "usage: scripts/image.sh {base|build|smoke|all}" >&2
    exit 2
    ;;
esac
