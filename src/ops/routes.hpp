#pragma once

#include <memory>
#include <vector>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

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

}  // namespace tiket::ops
