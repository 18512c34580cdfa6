#include "ops/routes.hpp"

#include <cppconn/exception.h>

#include "core/errors.hpp"
#include "core/logging.hpp"

namespace tiket::ops {

void register_routes(http::Router& router, OpsDeps deps) {
  router.add(
      http::Method::Get, "/healthz",
      [](http::Request&) {
        static const std::string kBody = R"({"status":"ok"})";
        http::Response r;
        r.body = kBody;
        return r;
      },
      http::Execution::Inline);

  router.add(
      http::Method::Get, "/metrics",
      [&metrics = deps.metrics](http::Request&) {
        return http::Response::text(200, metrics.serialize(), "text/plain; version=0.0.4");
      },
      http::Execution::Inline);

  router.add(http::Method::Get, "/readyz", [deps](http::Request& req) {
    if (deps.lifecycle->draining.load()) {
      throw core::AppError::unavailable("Not ready: the server is shutting down.", 1);
    }
    bool current = false;
    try {
      current = db::with_connection(deps.pool, [&](db::Connection& conn) {
        return db::migrations_current(conn, *deps.migrations);
      });
    } catch (const core::AppError&) {
      throw core::AppError::unavailable("Not ready: the database is unreachable.", 2);
    } catch (const sql::SQLException& e) {
      core::log::warn("readiness check failed",
                      {{"request_id", req.request_id}, {"error", e.what()}});
      throw core::AppError::unavailable("Not ready: the database is unreachable.", 2);
    }
    if (!current) {
      throw core::AppError::unavailable("Not ready: database migrations are not applied.", 5);
    }
    return http::Response::json(
        200, {{"status", "ready"}, {"checks", {{"database", "ok"}, {"migrations", "ok"}}}});
  });
}

}  // namespace tiket::ops
