#include "app/app.hpp"

#include <cppconn/exception.h>
#include <mysql_driver.h>
#include <sodium.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"
#include "ops/routes.hpp"

namespace tiket::app {

namespace {

db::PoolOptions pool_options(const core::Config& config) {
  db::PoolOptions opts;
  opts.url = config.database;
  opts.size = config.db_pool_size;
  opts.wait = config.db_pool_wait;
  opts.connect_timeout = config.db_connect_timeout;
  opts.read_timeout = config.db_read_timeout;
  return opts;
}

// At start-up the database may still be coming up (containers, CI services): retry for a while.
db::MigrationResult migrate_with_retry(db::Pool& pool, const std::vector<db::Migration>& files,
                                       std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (unsigned attempt = 0;; ++attempt) {
    try {
      const auto conn = pool.connect();
      return db::apply_migrations(*conn, files);
    } catch (const sql::SQLException& e) {
      if (!db::is_connection_error(e.getErrorCode()) ||
          std::chrono::steady_clock::now() >= deadline) {
        throw;
      }
      core::log::warn("database not reachable yet; retrying",
                      {{"error", e.what()}, {"attempt", attempt + 1}});
      std::this_thread::sleep_for(core::backoff_delay(
          attempt, {std::chrono::milliseconds(200), std::chrono::milliseconds(2000)},
          core::fast_random()));
    }
  }
}

int wait_for_signal(const sigset_t& signals) {
  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  return sig;
}

}  // namespace

int migrate(const core::Config& config, sql::Driver& driver) {
  const auto files = db::load_migrations(config.migrations_dir);
  db::Pool pool(driver, pool_options(config));
  const auto result = migrate_with_retry(pool, files, std::chrono::seconds(30));
  core::log::info("migrations done", {{"applied", result.applied.size()},
                                      {"already_applied", result.already_applied}});
  return 0;
}

int serve(const core::Config& config, sql::Driver& driver, const RouteHook& extra_routes) {
  // Block the shutdown signals in every thread we start; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto migrations = std::make_shared<const std::vector<db::Migration>>(
      db::load_migrations(config.migrations_dir));
  db::Pool pool(driver, pool_options(config));
  if (config.migrate_on_start) {
    migrate_with_retry(pool, *migrations, std::chrono::seconds(30));
  }

  http::Metrics metrics;
  http::WorkerPool workers(config.worker_threads, config.worker_queue);

  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = config.http_threads;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = config.header_timeout;
  options.body_timeout = config.body_timeout;
  options.keepalive_timeout = config.keepalive_timeout;

  // Shared by the server (in-flight count, draining) and /readyz.
  const auto lifecycle = std::make_shared<http::Lifecycle>();
  http::Router router;
  ops::register_routes(router, {pool, metrics, lifecycle, migrations});
  if (extra_routes) {
    extra_routes(router);
  }
  http::Server server(options, std::move(router), workers, metrics, lifecycle);

  metrics.on_scrape([&] {
    metrics.db_pool_in_use().Set(static_cast<double>(pool.in_use()));
    metrics.db_pool_open().Set(static_cast<double>(pool.open()));
    metrics.worker_queue_depth().Set(static_cast<double>(workers.queue_depth()));
    metrics.worker_busy().Set(static_cast<double>(workers.busy()));
    metrics.in_flight().Set(static_cast<double>(lifecycle->in_flight.load()));
  });

  server.start();
  core::log::info("listening", {{"host", config.host},
                                {"port", server.port()},
                                {"app_env", core::to_string(config.app_env)},
                                {"database", config.database.redacted()},
                                {"http_threads", config.http_threads},
                                {"worker_threads", config.worker_threads}});

  const int sig = wait_for_signal(signals);
  server.begin_drain();
  core::log::info("shutdown: draining",
                  {{"signal", strsignal(sig)}, {"in_flight", lifecycle->in_flight.load()}});
  const bool idle = server.wait_idle(config.shutdown_timeout);
  if (!idle) {
    core::log::warn("shutdown: timed out waiting for in-flight requests",
                    {{"in_flight", lifecycle->in_flight.load()}});
  }
  server.stop();
  workers.stop();
  core::log::info("shutdown: done", {{"clean", idle}});
  return idle ? 0 : 1;
}

int main(int argc, char** argv, const RouteHook& extra_routes) {
  // A client that disconnects mid-write must not kill the process (LIBRARIES.md, trap 6).
  if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    std::cerr << "tiket-api: cannot ignore SIGPIPE\n";
    return 1;
  }
  if (sodium_init() < 0) {
    std::cerr << "tiket-api: libsodium failed to initialise\n";
    return 1;
  }

  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << "usage: tiket-api [serve|migrate]\n"
                 "  serve    apply migrations (unless MIGRATE_ON_START=false) and serve HTTP\n"
                 "  migrate  apply pending migrations and exit\n"
                 "Configuration comes from the environment; see README.md.\n";
    return 0;
  }
  if (command != "serve" && command != "migrate") {
    std::cerr << "tiket-api: unknown command '" << command << "' (try --help)\n";
    return 2;
  }

  core::Config config;
  try {
    config = core::load_config(core::current_environment());
  } catch (const core::ConfigError& e) {
    std::cerr << "tiket-api: configuration error: " << e.what() << "\n";
    return 2;
  }
  core::log::init(config.log_level);

  int code = 1;
  try {
    // Not thread-safe: called once, here, before any thread exists (LIBRARIES.md).
    sql::Driver& driver = *sql::mysql::get_mysql_driver_instance();
    code = command == "migrate" ? migrate(config, driver) : serve(config, driver, extra_routes);
  } catch (const db::MigrationError& e) {
    core::log::error("migration failed", {{"error", e.what()}});
  } catch (const sql::SQLException& e) {
    core::log::error("database error", {{"error", e.what()}, {"code", e.getErrorCode()}});
  } catch (const std::exception& e) {
    core::log::error("fatal error", {{"error", e.what()}});
  }
  core::log::shutdown();
  return code;
}

}  // namespace tiket::app
