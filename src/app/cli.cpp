#include "app/cli.hpp"

#include <cppconn/exception.h>
#include <curl/curl.h>
#include <mysql_driver.h>
#include <prometheus/registry.h>
#include <sodium.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "app/app.hpp"
#include "app/demo.hpp"
#include "app/modules.hpp"
#include "app/seed_load.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "db/migrations.hpp"
#include "identity/email.hpp"

namespace tiket::app {

namespace {

std::optional<std::string> flag(const std::vector<std::string>& args, std::string_view name) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) {
      return args[i + 1];
    }
  }
  return std::nullopt;
}

// Creates a user through the same service the API uses (policy, argon2id, audit row).
// Returns false when the email is taken.
bool create_user(Modules& modules, const std::string& email, const std::string& password,
                 const std::string& name, identity::Role role) {
  const auto normalized = identity::normalize_email(email);
  if (!normalized) {
    throw std::invalid_argument("not a valid email address: " + email);
  }
  if (modules.users.find_by_email(*normalized)) {
    return false;
  }
  try {
    modules.users.create({*normalized, password, name, role}, std::nullopt, "cli");
  } catch (const core::AppError& e) {
    std::string reasons;
    for (const auto& fe : e.errors()) {
      reasons += "; " + fe.field + " " + fe.message;
    }
    throw std::invalid_argument(e.detail() + reasons);
  }
  return true;
}

}  // namespace

int create_admin(const Settings& settings, sql::Driver& driver,
                 const std::vector<std::string>& args) {
  const auto email = flag(args, "--email");
  if (!email) {
    std::cerr
        << "usage: tiket-api create-admin --email EMAIL [--name NAME]\n"
           "The password is read from ADMIN_PASSWORD, or else from the first line of stdin.\n";
    return 2;
  }
  std::string password;
  if (const char* env = std::getenv("ADMIN_PASSWORD"); env != nullptr && *env != '\0') {
    password = env;
  } else {
    std::getline(std::cin, password);
  }
  db::Pool pool(driver, pool_options(settings.core));
  migrate_with_retry(pool, db::load_migrations(settings.core.migrations_dir),
                     std::chrono::seconds(30));
  prometheus::Registry registry;  // nobody scrapes a CLI command
  Modules modules(settings, pool, registry);
  if (!create_user(modules, *email, password, flag(args, "--name").value_or("Administrator"),
                   identity::Role::admin)) {
    std::cerr << "tiket-api: a user with this email already exists\n";
    return 1;
  }
  core::log::info("admin created", {{"email", *email}});
  return 0;
}

int seed_demo(const Settings& settings, sql::Driver& driver) {
  if (settings.core.app_env == core::AppEnv::production) {
    std::cerr << "tiket-api: seed-demo is for development and test only\n";
    return 2;
  }
  // Read and checked before anything is written, so a broken file changes nothing.
  const auto demo_catalog = load_demo_catalog(settings.demo_catalog_file);
  const char* env = std::getenv("DEMO_PASSWORD");
  const std::string password = env != nullptr && *env != '\0' ? env : "tiket-demo";
  db::Pool pool(driver, pool_options(settings.core));
  migrate_with_retry(pool, db::load_migrations(settings.core.migrations_dir),
                     std::chrono::seconds(30));
  prometheus::Registry registry;  // nobody scrapes a CLI command
  Modules modules(settings, pool, registry);
  const std::vector<std::tuple<std::string, std::string, identity::Role>> demo = {
      {"admin@tiket.test", "Demo Admin", identity::Role::admin},
      {"organizer@tiket.test", "Demo Organizer", identity::Role::organizer},
      {"customer@tiket.test", "Demo Customer", identity::Role::customer}};
  for (const auto& [email, name, role] : demo) {
    const bool created = create_user(modules, email, password, name, role);
    core::log::info(created ? "demo user created" : "demo user exists",
                    {{"email", email}, {"role", identity::to_string(role)}});
  }
  const auto organizer = modules.users.find_by_email("organizer@tiket.test");
  if (!organizer) {
    throw std::runtime_error("the demo organizer is missing");
  }
  if (modules.catalog.count_owned(organizer->id) > 0) {
    core::log::info("demo concerts exist", {{"organizer", organizer->email}});
  } else {
    seed_demo_concerts(modules.catalog, {organizer->id, identity::Role::organizer}, demo_catalog,
                       std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  }
  return 0;
}

int main(int argc, char** argv, const RouteHook& extra_routes) {
  // A client that disconnects mid-write must not kill the process (docs/libraries.md, Pistache).
  if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    std::cerr << "tiket-api: cannot ignore SIGPIPE\n";
    return 1;
  }
  if (sodium_init() < 0) {
    std::cerr << "tiket-api: libsodium failed to initialise\n";
    return 1;
  }
  // Once, before any thread exists: libcurl's global state (SMTP mailer, later the gateway).
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::cerr << "tiket-api: libcurl failed to initialise\n";
    return 1;
  }

  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "--version" || command == "version") {
    std::cout << "tiket-api " << TIKET_VERSION << " (commit " << TIKET_COMMIT << ")\n";
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout
        << "usage: tiket-api [serve|migrate|create-admin|seed-demo|seed-load|routes|--version]\n"
           "  serve         apply migrations (unless MIGRATE_ON_START=false) and serve HTTP\n"
           "  migrate       apply pending migrations and exit\n"
           "  create-admin  --email EMAIL [--name NAME]; password from ADMIN_PASSWORD or "
           "stdin\n"
           "  seed-demo     create the demo users, and the concerts of DEMO_CATALOG_FILE\n"
           "                (development and test only)\n"
           "  seed-load     --bookings N [--months 24] [--customers M] [--seed S]\n"
           "                [--until RFC3339]: N generated bookings over the months before\n"
           "                --until (default now), for benchmarks (development and test only)\n"
           "  routes        print every route (METHOD /path), without a database\n"
           "  --version     print the version and the commit it was built from\n"
           "Configuration comes from the environment; see README.md.\n";
    return 0;
  }
  if (command != "serve" && command != "migrate" && command != "create-admin" &&
      command != "seed-demo" && command != "seed-load" && command != "routes") {
    std::cerr << "tiket-api: unknown command '" << command << "' (try --help)\n";
    return 2;
  }

  Settings settings;
  try {
    settings = load_settings(core::current_environment());
  } catch (const core::ConfigError& e) {
    std::cerr << "tiket-api: configuration error: " << e.what() << "\n";
    return 2;
  }
  // The booking-code day is taken in BUSINESS_TZ; set once, before any thread starts.
  core::set_business_time_zone(settings.booking.business_tz);
  core::log::init(settings.core.log_level);

  int code = 1;
  try {
    // Not thread-safe: called once, here, before any thread exists (docs/libraries.md).
    sql::Driver& driver = *sql::mysql::get_mysql_driver_instance();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (command == "migrate") {
      code = migrate(settings.core, driver);
    } else if (command == "create-admin") {
      code = create_admin(settings, driver, args);
    } else if (command == "seed-demo") {
      code = seed_demo(settings, driver);
    } else if (command == "seed-load") {
      code = seed_load_command(settings, driver, args);
    } else if (command == "routes") {
      code = print_routes(settings, driver);
    } else {
      code = serve(settings, driver, extra_routes);
    }
  } catch (const db::MigrationError& e) {
    core::log::error("migration failed", {{"error", e.what()}});
  } catch (const sql::SQLException& e) {
    core::log::error("database error", {{"error", e.what()}, {"code", e.getErrorCode()}});
  } catch (const core::ConfigError& e) {
    std::cerr << "tiket-api: configuration error: " << e.what() << "\n";
    code = 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "tiket-api: " << e.what() << "\n";
    code = 2;
  } catch (const std::exception& e) {
    core::log::error("fatal error", {{"error", e.what()}});
  }
  core::log::shutdown();
  return code;
}

}  // namespace tiket::app
