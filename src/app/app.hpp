#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "app/settings.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"

namespace sql {
class Driver;
}

namespace tiket::app {

// Extra routes added after the service's own (the integration-test fixture server uses it).
using RouteHook = std::function<void(http::Router&)>;

// Wiring only: settings → DB pool → migrations → modules → server, then waits for
// SIGTERM/SIGINT and shuts down gracefully. Returns the process exit code.
int serve(const Settings& settings, sql::Driver& driver, const RouteHook& extra_routes = {});

// `tiket-api routes`: prints every route the service registers, one `METHOD /path/{param}` a
// line, without touching the database. The contract test (tests/api/contract.test.js) checks
// them against docs/openapi.yaml.
int print_routes(const Settings& settings, sql::Driver& driver);

// `tiket-api migrate`: applies pending migrations and exits.
int migrate(const core::Config& config, sql::Driver& driver);

db::PoolOptions pool_options(const core::Config& config);

// At start-up the database may still be coming up (containers, CI services): retries for up
// to `patience` while the server is unreachable.
db::MigrationResult migrate_with_retry(db::Pool& pool, const std::vector<db::Migration>& files,
                                       std::chrono::seconds patience);

}  // namespace tiket::app
