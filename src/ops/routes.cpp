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

namespace {
http::Response static_or_404(const http::StaticFiles& files, const std::string& name,
                             const http::Request& req) {
  const auto* file = files.find(name);
  if (file == nullptr) {
    throw core::AppError::not_found("No file matches " + req.path + ".");
  }
  return http::serve_static(*file, req);
}
}  // namespace

void register_docs_routes(http::Router& router,
                          const std::shared_ptr<const http::StaticFiles>& files) {
  router.add(
      http::Method::Get, "/openapi.yaml",
      [files](http::Request& req) { return static_or_404(*files, "openapi.yaml", req); },
      http::Execution::Inline);
  router.add(
      http::Method::Get, "/docs",
      [files](http::Request& req) { return static_or_404(*files, "docs/index.html", req); },
      http::Execution::Inline);
  // One segment: the router never matches a `/` inside {file}; an encoded one (%2F), `..` or
  // anything else that is not a file found inside the folder at start-up is a 404.
  router.add(
      http::Method::Get, "/docs/{file}",
      [files](http::Request& req) {
        return static_or_404(*files, "docs/" + std::string(req.param("file").value_or("")), req);
      },
      http::Execution::Inline);
}

}  // namespace tiket::ops
