#include "app/app.hpp"

#include <cppconn/exception.h>
#include <curl/curl.h>
#include <mysql_driver.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sodium.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "app/modules.hpp"
#include "booking/expiry.hpp"
#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"
#include "identity/email.hpp"
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

struct DemoTicketType {
  const char* name;
  std::int64_t price;
  std::int64_t quota;
  std::optional<std::int64_t> per_user_limit;
};

struct DemoConcert {
  const char* title;
  const char* artist;
  const char* venue;
  const char* city;
  int days_ahead;
  std::vector<DemoTicketType> ticket_types;
};

// Published concerts owned by the demo organizer, starting at 19:00 WIB (12:00 UTC) some days
// from now, created through the same service as the API (rules, audit rows, min_price).
void seed_concerts(catalog::CatalogService& catalog, const identity::Principal& organizer) {
  const std::vector<DemoConcert> concerts = {
      {"Java Jazz Evening",
       "Nusantara Jazz Ensemble",
       "JIExpo Kemayoran",
       "Jakarta",
       21,
       {{"Festival", 350'000, 2'000, 4}, {"VIP", 1'250'000, 200, std::nullopt}}},
      {"Senayan Pop Night",
       "Kirana",
       "Istora Senayan",
       "Jakarta",
       45,
       {{"Presale", 250'000, 500, 4},
        {"Festival", 400'000, 3'000, std::nullopt},
        {"VIP", 1'500'000, 150, 2}}},
      {"Braga Indie Fest",
       "Teras Sore",
       "Sabuga",
       "Bandung",
       30,
       {{"Festival", 300'000, 1'500, 4}, {"VIP", 900'000, 100, std::nullopt}}},
      {"Dago Acoustic Session",
       "Lintang and Friends",
       "Dago Tea House",
       "Bandung",
       75,
       {{"Regular", 150'000, 400, 4}, {"Front Row", 450'000, 40, 2}}},
      {"Suroboyo Rock Night",
       "Arek Rock Collective",
       "Grand City Convention Hall",
       "Surabaya",
       60,
       {{"Festival", 350'000, 2'500, 4}, {"VIP", 1'250'000, 250, std::nullopt}}},
      {"Prambanan Sunset Strings",
       "Orkes Keraton Muda",
       "Prambanan Open Stage",
       "Yogyakarta",
       90,
       {{"Festival", 275'000, 1'200, 4},
        {"VIP", 1'100'000, 120, std::nullopt},
        {"Family", 800'000, 300, 1}}},
  };
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  for (const auto& demo : concerts) {
    const core::Timestamp starts_at{today + std::chrono::days(demo.days_ahead) +
                                    std::chrono::hours(12)};
    const auto concert = catalog.create_concert(
        {demo.title, demo.artist, demo.venue, demo.city, starts_at}, organizer, "cli");
    for (const auto& type : demo.ticket_types) {
      catalog.add_ticket_type(concert.id, {type.name, type.price, type.quota, type.per_user_limit},
                              organizer, "cli");
    }
    catalog::ConcertPatch publish;
    publish.status = catalog::ConcertStatus::published;
    catalog.update_concert(concert.id, publish, organizer, "cli");
    core::log::info("demo concert created",
                    {{"id", concert.id}, {"title", demo.title}, {"city", demo.city}});
  }
}

}  // namespace

int create_admin(const core::Config& config, sql::Driver& driver,
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
  db::Pool pool(driver, pool_options(config));
  migrate_with_retry(pool, db::load_migrations(config.migrations_dir), std::chrono::seconds(30));
  prometheus::Registry registry;  // nobody scrapes a CLI command
  Modules modules(config, pool, registry);
  if (!create_user(modules, *email, password, flag(args, "--name").value_or("Administrator"),
                   identity::Role::admin)) {
    std::cerr << "tiket-api: a user with this email already exists\n";
    return 1;
  }
  core::log::info("admin created", {{"email", *email}});
  return 0;
}

int seed_demo(const core::Config& config, sql::Driver& driver) {
  if (config.app_env == core::AppEnv::production) {
    std::cerr << "tiket-api: seed-demo is for development and test only\n";
    return 2;
  }
  const char* env = std::getenv("DEMO_PASSWORD");
  const std::string password = env != nullptr && *env != '\0' ? env : "tiket-demo";
  db::Pool pool(driver, pool_options(config));
  migrate_with_retry(pool, db::load_migrations(config.migrations_dir), std::chrono::seconds(30));
  prometheus::Registry registry;  // nobody scrapes a CLI command
  Modules modules(config, pool, registry);
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
    seed_concerts(modules.catalog, {organizer->id, identity::Role::organizer});
  }
  return 0;
}

namespace {
// Domain counters kept as plain atomics by the services, copied into Prometheus counters at
// each scrape (a counter only moves forward, so the copy adds the difference).
void register_domain_metrics(http::Metrics& metrics, Modules& modules) {
  struct Source {
    prometheus::Counter* counter;
    const std::atomic<std::uint64_t>* value;
    std::uint64_t seen = 0;
  };
  auto& bookings = prometheus::BuildCounter()
                       .Name("tiket_bookings_total")
                       .Help("Booking requests and state changes, by outcome")
                       .Register(metrics.registry());
  auto& retries = prometheus::BuildCounter()
                      .Name("tiket_db_transaction_retries_total")
                      .Help("Transactions run again after a deadlock or a lock wait timeout")
                      .Register(metrics.registry());
  const auto& c = modules.bookings.counters();
  auto& stats = db::transaction_stats();
  auto sources = std::make_shared<std::vector<Source>>(std::vector<Source>{
      {&bookings.Add({{"outcome", "created"}}), &c.created},
      {&bookings.Add({{"outcome", "replayed"}}), &c.replayed},
      {&bookings.Add({{"outcome", "sold_out"}}), &c.sold_out},
      {&bookings.Add({{"outcome", "cancelled"}}), &c.cancelled},
      {&bookings.Add({{"outcome", "expired"}}), &c.expired},
      {&retries.Add({{"error", "deadlock"}}), &stats.deadlock_retries},
      {&retries.Add({{"error", "lock_wait_timeout"}}), &stats.lock_wait_retries}});
  auto mutex = std::make_shared<std::mutex>();
  metrics.on_scrape([sources, mutex] {
    const std::lock_guard lock(*mutex);
    for (auto& s : *sources) {
      const auto now = s.value->load(std::memory_order_relaxed);
      s.counter->Increment(static_cast<double>(now - s.seen));
      s.seen = now;
    }
  });
}
}  // namespace

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
  options.drain_idle_grace = config.shutdown_idle_grace;

  // Shared by the server (in-flight count, draining) and /readyz.
  const auto lifecycle = std::make_shared<http::Lifecycle>();
  Modules modules(config, pool, metrics.registry());
  http::Router router;
  ops::register_routes(router, {pool, metrics, lifecycle, migrations});
  modules.register_routes(router);
  if (extra_routes) {
    extra_routes(router);
  }
  http::Server server(options, std::move(router), workers, metrics, lifecycle);
  // Until the scheduler slice: overdue holds are expired by a plain periodic timer.
  const booking::ExpiryTimer expiry(modules.bookings, config.booking_expiry_interval);
  register_domain_metrics(metrics, modules);

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

  // Graceful shutdown (ADR 0012): refuse new connections, answer what was sent with
  // Connection: close, shut each connection down once nothing is owed on it, then stop.
  const int sig = wait_for_signal(signals);
  server.begin_drain();
  core::log::info("shutdown: draining",
                  {{"signal", strsignal(sig)}, {"in_flight", lifecycle->in_flight.load()}});
  const bool drained = server.wait_drained(config.shutdown_timeout);
  if (!drained) {
    core::log::warn("shutdown: timed out draining requests and connections",
                    {{"in_flight", lifecycle->in_flight.load()}});
  }
  server.stop();
  workers.stop();
  core::log::info("shutdown: done", {{"clean", drained}});
  return drained ? 0 : 1;
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
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << "usage: tiket-api [serve|migrate|create-admin|seed-demo]\n"
                 "  serve         apply migrations (unless MIGRATE_ON_START=false) and serve HTTP\n"
                 "  migrate       apply pending migrations and exit\n"
                 "  create-admin  --email EMAIL [--name NAME]; password from ADMIN_PASSWORD or "
                 "stdin\n"
                 "  seed-demo     create the demo users and concerts (development and test only)\n"
                 "Configuration comes from the environment; see README.md.\n";
    return 0;
  }
  if (command != "serve" && command != "migrate" && command != "create-admin" &&
      command != "seed-demo") {
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
  // The booking-code day is taken in BUSINESS_TZ; set once, before any thread starts.
  core::set_business_time_zone(config.business_tz);
  core::log::init(config.log_level);

  int code = 1;
  try {
    // Not thread-safe: called once, here, before any thread exists (docs/libraries.md).
    sql::Driver& driver = *sql::mysql::get_mysql_driver_instance();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (command == "migrate") {
      code = migrate(config, driver);
    } else if (command == "create-admin") {
      code = create_admin(config, driver, args);
    } else if (command == "seed-demo") {
      code = seed_demo(config, driver);
    } else {
      code = serve(config, driver, extra_routes);
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
