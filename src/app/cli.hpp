#pragma once

#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/settings.hpp"

namespace sql {
class Driver;
}

namespace tiket::app {

// `tiket-api create-admin --email E [--name N]`: the password from ADMIN_PASSWORD, or else the
// first line of stdin. 1 when the email is taken, 2 for a bad password or usage.
int create_admin(const Settings& settings, sql::Driver& driver,
                 const std::vector<std::string>& args);

// `tiket-api seed-demo` (development and test only): the three demo users, then the concerts
// of DEMO_CATALOG_FILE once (none are added when the demo organizer owns any).
int seed_demo(const Settings& settings, sql::Driver& driver);

// The entry point shared by tiket-api and the test fixture server: parses the command, reads
// the settings, then runs serve, migrate, create-admin or seed-demo.
int main(int argc, char** argv, const RouteHook& extra_routes = {});

}  // namespace tiket::app
