# Tiket API container image.
#
#   docker build -t tiket-api .
#   docker run --rm -e DATABASE_URL=mysql://user:pass@db:3306/tiket -p 8080:8080 tiket-api
#
# Without a Docker engine (this repository's own CI and dev boxes):
# scripts/image.sh base|build|smoke builds the same file with buildah from a
# debootstrapped Debian 12 base.
#
# Two stages: the build stage has the compiler and the -dev packages; the runtime
# stage only gets the shared libraries the binary links against, so the image
# carries no toolchain and no headers.

# Both stages start from the same Debian release, so the runtime packages
# match the sonames the build linked against. Overridable so a locally imported
# base (scripts/image.sh base -> localhost/debian:bookworm) can stand in when
# Docker Hub cannot be reached.
ARG BASE_IMAGE=debian:bookworm

# ---------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS build

# Only for this stage's apt-get; an ARG does not leak into the final image.
ARG DEBIAN_FRONTEND=noninteractive

# The toolchain and the -dev packages from scripts/install-deps.sh. Left out on
# purpose: mariadb-server/-client and gtest (tests do not run here),
# clang-tidy/clang-format (lint) and node/npm (tooling). git is not needed:
# the build does not ask git for a version.
# Every apt-get install in this file ends with `apt-get clean` (downloaded
# .debs, package cache) and removes the package lists: tens of MB a layer would
# otherwise carry. The official debian image cleans the former by itself; a
# base that does not (a plain debootstrap) would bloat the image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libpistache-dev libmysqlcppconn-dev libboost-dev \
      nlohmann-json3-dev libspdlog-dev libfmt-dev libsodium-dev libcpp-jwt-dev \
      prometheus-cpp-dev libcurl4-openssl-dev libssl-dev \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Only what the build reads. tests/ and bench/ are not copied:
# TIKET_BUILD_TESTS=OFF and TIKET_BUILD_BENCH=OFF keep CMake from adding those
# subdirectories (and from needing gtest). sql/ is copied straight into the
# runtime stage below.
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake/ cmake/
COPY src/ src/
# What the build assembles into build/release/static for GET /openapi.yaml and GET /docs:
# the API description, our Swagger UI page, and the swagger-ui-dist package (run `npm ci`
# before building the image; .dockerignore lets only this package of node_modules/ through).
COPY docs/openapi.yaml docs/openapi.yaml
COPY docs/swagger-ui/ docs/swagger-ui/
COPY node_modules/swagger-ui-dist/ node_modules/swagger-ui-dist/

# The commit for `tiket-api --version` (the context has no .git): scripts/image.sh and the
# workflow pass it.
ARG TIKET_COMMIT=unknown
# The same release preset scripts/run.sh serves (RelWithDebInfo). The debug
# info is stripped afterwards: it is most of the binary's size and nobody
# attaches a debugger inside the container.
RUN cmake --preset release -DTIKET_BUILD_TESTS=OFF -DTIKET_BUILD_BENCH=OFF \
      -DTIKET_COMMIT="${TIKET_COMMIT}" \
 && cmake --build --preset release \
 && strip --strip-unneeded build/release/tiket-api

# ---------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime

ARG DEBIAN_FRONTEND=noninteractive

# The runtime halves of the -dev packages above, found with
# `ldd build/release/tiket-api` + `dpkg -S` (libmariadb3, which holds the
# caching_sha2_password plugin MySQL 8 needs, comes in with libmysqlcppconn7v5;
# the Boost, nlohmann-json and cpp-jwt parts are header-only). Beyond ldd:
#   libcurl4         CMake links CURL::libcurl; --as-needed drops it until code
#                    calls it (external HTTP APIs, the payment gateway client)
#   ca-certificates  so libcurl can verify HTTPS peers; --no-install-recommends
#                    would otherwise leave the trust store out
#   tzdata           zone files for the configurable business-day time zone
#                    (default Asia/Jakarta); without them glibc silently uses UTC
#   curl             for the HEALTHCHECK below
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpistache0 libmysqlcppconn7v5 libspdlog1.10 libfmt9 libsodium23 \
      libprometheus-cpp-core1.0 libcurl4 libssl3 \
      ca-certificates tzdata curl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

# A fixed, non-root uid/gid, so volume permissions and Kubernetes
# runAsUser/runAsNonRoot settings can name it. No home directory and no login
# shell: the service writes nothing to disk (logs go to stdout).
RUN groupadd --gid 10001 tiket \
 && useradd --uid 10001 --gid tiket --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin tiket

WORKDIR /app

# Owned by root and read-only for the service user: the process cannot
# modify its own binary or migrations.
COPY --from=build /src/build/release/tiket-api /usr/local/bin/tiket-api
COPY sql/migrations/ /app/sql/migrations/
COPY --from=build /src/build/release/static/ /app/static/
# The web app, built on the host by scripts/build-web.sh (scripts/image.sh runs it first): plain
# files, served at / (WEB_DIR).
COPY web/dist/ /app/web/
# The password policy's list of common passwords, and the concerts `seed-demo` publishes
# (development and test only; production refuses seed-demo).
COPY data/common-passwords.txt /app/data/common-passwords.txt
COPY data/demo-catalog.json /app/data/demo-catalog.json

# Production refuses the development defaults: DATABASE_URL (with a password),
# JWT_PRIVATE_KEY_FILE, LOGIN_CODE_SECRET and SMTP_URL/SMTP_FROM must be given. HOST=0.0.0.0 because inside a container 127.0.0.1 is
# unreachable from outside. MIGRATIONS_DIR is absolute so the working
# directory does not matter.
ENV APP_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    MIGRATIONS_DIR=/app/sql/migrations \
    COMMON_PASSWORDS_FILE=/app/data/common-passwords.txt \
    DEMO_CATALOG_FILE=/app/data/demo-catalog.json \
    STATIC_DIR=/app/static \
    WEB_DIR=/app/web

EXPOSE 8080

# /healthz never touches the database (liveness only; /readyz is for the load
# balancer), so a slow database does not get the container restarted.
# start-period covers the migrations applied on start. The shell form lets
# ${PORT} follow a PORT overridden at run time.
# Note: OCI-format images drop HEALTHCHECK; buildah needs --format docker.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" || exit 1

USER tiket

ENTRYPOINT ["tiket-api"]
CMD ["serve"]
