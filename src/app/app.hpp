#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/settings.hpp"
#include "http/router.hpp"

namespace sql {
class Driver;
}

namespace tiket::app {

// Extra routes added after the service's own (the integration-test fixture server uses it).
using RouteHook = std::function<void(http::Router&)>;

// Wiring only: settings → logging → DB pool → migrations → modules → server, then waits for
// SIGTERM/SIGINT and shuts down gracefully. Returns the process exit code.
int serve(const Settings& settings, sql::Driver& driver, const RouteHook& extra_routes = {});

// `tiket-api migrate`: applies pending migrations and exits.
int migrate(const core::Config& config, sql::Driver& driver);

// `tiket-api create-admin --email E [--name N]` and `tiket-api seed-demo`.
int create_admin(const Settings& settings, sql::Driver& driver,
                 const std::vector<std::string>& args);
int seed_demo(const Settings& settings, sql::Driver& driver);

// The entry point shared by tiket-api and the test fixture server.
int main(int argc, char** argv, const RouteHook& extra_routes = {});

}  // namespace tiket::app
