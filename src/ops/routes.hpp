#pragma once

#include <memory>
#include <vector>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"

namespace tiket::ops {

struct OpsDeps {
  db::Pool& pool;
  http::Metrics& metrics;
  std::shared_ptr<const http::Lifecycle> lifecycle;
  std::shared_ptr<const std::vector<db::Migration>> migrations;
};

// /healthz (never touches the DB), /readyz (DB answers and migrations are current, and we
// are not draining) and /metrics (Prometheus text).
void register_routes(http::Router& router, OpsDeps deps);

// The API described where it runs: GET /openapi.yaml (STATIC_DIR/openapi.yaml) and GET /docs,
// Swagger UI (STATIC_DIR/docs/index.html and the files beside it, GET /docs/{file}). Served
// from memory on the reactor thread, with ETag and Cache-Control.
void register_docs_routes(http::Router& router,
                          const std::shared_ptr<const http::StaticFiles>& files);

}  // namespace tiket::ops
