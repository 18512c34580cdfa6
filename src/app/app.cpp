#include "app/app.hpp"

#include <cppconn/exception.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>

#include "app/modules.hpp"
#include "core/backoff.hpp"
#include "core/logging.hpp"
#include "db/errors.hpp"
#include "db/transaction.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"
#include "ops/routes.hpp"

namespace tiket::app {

namespace {

// STATIC_DIR, or the `static` folder the build assembles next to the executable
// (build/<preset>/static; /app/static in the image, which sets STATIC_DIR).
std::filesystem::path static_dir(const core::Config& config) {
  if (!config.static_dir.empty()) {
    return config.static_dir;
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("static") : exe.parent_path() / "static";
}

int wait_for_signal(const sigset_t& signals) {
  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  return sig;
}

}  // namespace

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

int migrate(const core::Config& config, sql::Driver& driver) {
  const auto files = db::load_migrations(config.migrations_dir);
  db::Pool pool(driver, pool_options(config));
  const auto result = migrate_with_retry(pool, files, std::chrono::seconds(30));
  core::log::info("migrations done", {{"applied", result.applied.size()},
                                      {"already_applied", result.already_applied}});
  return 0;
}

namespace {
// Every call to the payment gateway: its latency and outcome, and the breaker's state.
void register_gateway_metrics(http::Metrics& metrics, payment::MidtransClient& gateway) {
  auto& calls = prometheus::BuildCounter()
                    .Name("tiket_payment_gateway_requests_total")
                    .Help("Calls to the payment gateway, by call and outcome")
                    .Register(metrics.registry());
  auto& latency = prometheus::BuildHistogram()
                      .Name("tiket_payment_gateway_request_duration_seconds")
                      .Help("Latency of calls to the payment gateway")
                      .Register(metrics.registry());
  auto& breaker = prometheus::BuildGauge()
                      .Name("tiket_payment_gateway_breaker_state")
                      .Help("The gateway circuit breaker: 0 closed, 1 open, 2 half-open")
                      .Register(metrics.registry());
  auto& opened = prometheus::BuildGauge()
                     .Name("tiket_payment_gateway_breaker_opened")
                     .Help("How many times the gateway circuit breaker has opened")
                     .Register(metrics.registry());
  const prometheus::Histogram::BucketBoundaries buckets{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  gateway.on_call = [&calls, &latency, buckets](std::string_view call, std::string_view outcome,
                                                double seconds) {
    calls.Add({{"call", std::string(call)}, {"outcome", std::string(outcome)}}).Increment();
    latency.Add({{"call", std::string(call)}}, buckets).Observe(seconds);
  };
  auto& state = breaker.Add({});
  auto& times = opened.Add({});
  metrics.on_scrape([&gateway, &state, &times] {
    state.Set(static_cast<double>(gateway.breaker().state()));
    times.Set(static_cast<double>(gateway.breaker().times_opened()));
  });
}

// This replica's request counts (requests-per-hour): the (hour, user) cells it holds until its
// next flush, and the requests it could not count because those cells were full.
void register_request_count_metrics(http::Metrics& metrics,
                                    std::shared_ptr<http::RequestCounter> counter) {
  auto& unflushed = prometheus::BuildGauge()
                        .Name("tiket_request_counts_unflushed_cells")
                        .Help("Request counts (hour, user) this replica holds until its next flush")
                        .Register(metrics.registry())
                        .Add({});
  auto& dropped =
      prometheus::BuildCounter()
          .Name("tiket_request_counts_dropped_total")
          .Help("Requests left out of requests-per-hour: the unflushed counts were full")
          .Register(metrics.registry())
          .Add({});
  auto seen = std::make_shared<std::pair<std::mutex, std::uint64_t>>();
  metrics.on_scrape([counter = std::move(counter), &unflushed, &dropped, seen] {
    const std::lock_guard lock(seen->first);
    unflushed.Set(static_cast<double>(counter->cells()));
    const auto now = counter->dropped();
    dropped.Increment(static_cast<double>(now - seen->second));
    seen->second = now;
  });
}

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
  auto& payments = prometheus::BuildCounter()
                       .Name("tiket_payments_total")
                       .Help("Payment attempts and gateway answers, by outcome")
                       .Register(metrics.registry());
  auto& tickets = prometheus::BuildCounter()
                      .Name("tiket_tickets_checked_in_total")
                      .Help("E-tickets admitted at the door")
                      .Register(metrics.registry());
  auto& batches = prometheus::BuildCounter()
                      .Name("tiket_booking_batches_total")
                      .Help(
                          "Group commits (BOOKING_WRITE_MODE=batched): committed batches, the "
                          "requests decided in them, and failed batches split and retried")
                      .Register(metrics.registry());
  auto& sold_out_groups = prometheus::BuildCounter()
                              .Name("tiket_booking_sold_out_groups_total")
                              .Help(
                                  "Reads made by the sold-out lane, each checking the keys of "
                                  "every sold-out answer waiting at that moment")
                              .Register(metrics.registry());
  auto& verify = prometheus::BuildCounter()
                     .Name("tiket_payment_webhook_verifications_failed_total")
                     .Help("Payment notifications refused because their signature did not verify")
                     .Register(metrics.registry());
  const auto& c = modules.bookings.counters();
  const auto& p = modules.payments.counters();
  auto& stats = db::transaction_stats();
  auto sources = std::make_shared<std::vector<Source>>(std::vector<Source>{
      {&bookings.Add({{"outcome", "created"}}), &c.created},
      {&bookings.Add({{"outcome", "replayed"}}), &c.replayed},
      {&bookings.Add({{"outcome", "sold_out"}}), &c.sold_out},
      {&bookings.Add({{"outcome", "sold_out_known"}}), &c.sold_out_known},
      {&batches.Add({{"event", "committed"}}), &c.batches},
      {&batches.Add({{"event", "request"}}), &c.batched},
      {&batches.Add({{"event", "split"}}), &c.batch_splits},
      {&sold_out_groups.Add({}), &c.sold_out_groups},
      {&bookings.Add({{"outcome", "busy"}}), &c.busy},
      {&bookings.Add({{"outcome", "cancelled"}}), &c.cancelled},
      {&bookings.Add({{"outcome", "expired"}}), &c.expired},
      {&bookings.Add({{"outcome", "paid"}}), &c.paid},
      {&bookings.Add({{"outcome", "paid_late"}}), &c.paid_late},
      {&tickets.Add({}), &c.checked_in},
      {&payments.Add({{"outcome", "started"}}), &p.started},
      {&payments.Add({{"outcome", "reused"}}), &p.reused},
      {&payments.Add({{"outcome", "settled"}}), &p.settled},
      {&payments.Add({{"outcome", "settled_late"}}), &p.settled_late},
      {&payments.Add({{"outcome", "failed"}}), &p.failed},
      {&payments.Add({{"outcome", "duplicate"}}), &p.duplicate},
      {&payments.Add({{"outcome", "ignored"}}), &p.ignored},
      {&payments.Add({{"outcome", "flagged"}}), &p.flagged},
      {&verify.Add({}), &p.signature_failed},
      {&retries.Add({{"error", "deadlock"}}), &stats.deadlock_retries},
      {&retries.Add({{"error", "lock_wait_timeout"}}), &stats.lock_wait_retries}});
  auto& admission = prometheus::BuildGauge()
                        .Name("tiket_booking_transactions")
                        .Help(
                            "Booking transactions running, and requests in line for one "
                            "(BOOKING_MAX_IN_FLIGHT, BOOKING_MAX_WAITING)")
                        .Register(metrics.registry());
  auto* running = &admission.Add({{"state", "running"}});
  auto* waiting = &admission.Add({{"state", "waiting"}});
  const auto& booking_service = modules.bookings;
  auto mutex = std::make_shared<std::mutex>();
  metrics.on_scrape([sources, mutex, running, waiting, &booking_service] {
    running->Set(static_cast<double>(booking_service.transactions_in_flight()));
    waiting->Set(static_cast<double>(booking_service.transactions_waiting()));
    const std::lock_guard lock(*mutex);
    for (auto& s : *sources) {
      const auto now = s.value->load(std::memory_order_relaxed);
      s.counter->Increment(static_cast<double>(now - s.seen));
      s.seen = now;
    }
  });
  register_gateway_metrics(metrics, modules.payments.gateway());
  register_request_count_metrics(metrics, modules.request_counts.counter());
}
}  // namespace

namespace {
// Every route the service serves; `serve` and `routes` (the contract test) share it.
void register_service_routes(http::Router& router, Modules& modules, const ops::OpsDeps& ops,
                             const std::shared_ptr<const http::StaticFiles>& static_files) {
  ops::register_routes(router, ops);
  ops::register_docs_routes(router, static_files);
  modules.register_routes(router);
}
}  // namespace

int print_routes(const Settings& settings, sql::Driver& driver) {
  db::Pool pool(driver, pool_options(settings.core));  // connects only when asked; never here
  http::Metrics metrics;
  Modules modules(settings, pool, metrics.registry());
  http::Router router;
  register_service_routes(router, modules,
                          {pool, metrics, std::make_shared<http::Lifecycle>(),
                           std::make_shared<const std::vector<db::Migration>>()},
                          std::make_shared<const http::StaticFiles>());
  for (const auto& route : router.routes()) {
    std::cout << http::to_string(route.method) << ' ' << route.path_template << '\n';
  }
  return 0;
}

int serve(const Settings& settings, sql::Driver& driver, const RouteHook& extra_routes) {
  const auto& config = settings.core;
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
  options.cors = http::CorsPolicy(config.cors_allowed_origins);
  options.streams.poll_interval = config.sse_poll_interval;
  options.streams.max_lifetime = config.sse_max_lifetime;
  options.streams.max_streams = config.sse_max_streams;
  // The web app (issue 12): `/`, its assets and its deep links, when WEB_DIR holds a build.
  options.web_app = std::make_shared<const http::StaticFiles>(
      http::StaticFiles::load(config.web_dir, http::StaticKind::web_app));
  core::log::info("web app loaded",
                  {{"web_dir", config.web_dir}, {"files", options.web_app->size()}});

  // Shared by the server (in-flight count, draining) and /readyz.
  const auto lifecycle = std::make_shared<http::Lifecycle>();
  Modules modules(settings, pool, metrics.registry());
  http::Router router;
  const auto static_files =
      std::make_shared<const http::StaticFiles>(http::StaticFiles::load(static_dir(config)));
  core::log::info("static files loaded",
                  {{"static_dir", static_files->root().string()}, {"files", static_files->size()}});
  register_service_routes(router, modules, {pool, metrics, lifecycle, migrations}, static_files);
  if (extra_routes) {
    extra_routes(router);
  }
  options.request_counter = modules.request_counts.counter();
  http::Server server(options, std::move(router), workers, metrics, lifecycle);
  // The scheduled jobs (ADR 0014): expiry, reconciliation, purge; one replica runs each slot.
  modules.scheduler.start();
  register_domain_metrics(metrics, modules);

  auto& streams_open = prometheus::BuildGauge()
                           .Name("tiket_event_streams_open")
                           .Help("Server-Sent Events streams open on this replica")
                           .Register(metrics.registry())
                           .Add({});
  metrics.on_scrape([&] {
    metrics.db_pool_in_use().Set(static_cast<double>(pool.in_use()));
    metrics.db_pool_open().Set(static_cast<double>(pool.open()));
    metrics.db_pool_max().Set(static_cast<double>(config.db_pool_size));
    metrics.worker_queue_depth().Set(static_cast<double>(workers.queue_depth()));
    metrics.worker_busy().Set(static_cast<double>(workers.busy()));
    metrics.in_flight().Set(static_cast<double>(lifecycle->in_flight.load()));
    streams_open.Set(static_cast<double>(server.open_streams()));
  });

  server.start();
  modules.request_counts.start();
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
  modules.scheduler.request_stop();  // running jobs stop at their next check or timeout
  core::log::info("shutdown: draining",
                  {{"signal", strsignal(sig)}, {"in_flight", lifecycle->in_flight.load()}});
  const bool drained = server.wait_drained(config.shutdown_timeout);
  if (!drained) {
    core::log::warn("shutdown: timed out draining requests and connections",
                    {{"in_flight", lifecycle->in_flight.load()}});
  }
  server.stop();
  modules.scheduler.stop();  // waits for them: runs recorded, leases released
  workers.stop();
  modules.request_counts.stop();  // the last counts of this replica, after the last request
  core::log::info("shutdown: done", {{"clean", drained}});
  return drained ? 0 : 1;
}

}  // namespace tiket::app
