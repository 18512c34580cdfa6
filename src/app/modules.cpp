#include "app/modules.hpp"

#include <filesystem>
#include <stdexcept>

#include "core/secrets.hpp"

namespace tiket::app {

namespace {
auth::KeyPair signing_key(const Settings& settings) {
  if (!settings.auth.jwt_private_key_file.empty()) {
    return auth::KeyPair::load(settings.auth.jwt_private_key_file);
  }
  return auth::load_or_create_dev_key(std::filesystem::path(settings.core.local_dir) / "keys");
}

std::string login_code_key(const Settings& settings) {
  if (!settings.auth.login_code_secret.empty()) {
    return settings.auth.login_code_secret;
  }
  return core::load_or_create_secret_file(
      std::filesystem::path(settings.core.local_dir) / "keys" / "login-code.key", 32);
}

std::unique_ptr<core::RateLimiter> limiter(const auth::RateSpec& spec) {
  return std::make_unique<core::RateLimiter>(
      core::BucketSpec{static_cast<double>(spec.burst),
                       static_cast<double>(spec.burst) / static_cast<double>(spec.period_seconds)});
}

std::unique_ptr<auth::Mailer> make_mailer(const auth::Settings& config, db::Pool& pool) {
  if (config.mailer == "smtp") {
    auth::SmtpOptions smtp;
    smtp.url = config.smtp_url;
    smtp.from = config.smtp_from;
    smtp.username = config.smtp_username;
    smtp.password = config.smtp_password;
    smtp.require_tls = config.smtp_require_tls;
    return std::make_unique<auth::SmtpMailer>(smtp);
  }
  return std::make_unique<auth::OutboxMailer>(pool);
}

// The reports' own pool when REPORTS_DATABASE_URL names another database (a replica).
std::unique_ptr<db::Pool> open_reports_pool(const Settings& settings, db::Pool& primary) {
  if (!settings.reporting.database) {
    return nullptr;
  }
  db::PoolOptions options;
  options.url = *settings.reporting.database;
  options.size = settings.reporting.pool_size;
  options.wait = settings.core.db_pool_wait;
  options.connect_timeout = settings.core.db_connect_timeout;
  options.read_timeout = settings.core.db_read_timeout;
  return std::make_unique<db::Pool>(primary.driver(), options);
}

// The job registry (ADR 0014). The jobs module knows none of these services: each job is a
// function over them, registered here.
void register_jobs(Modules& m) {
  using std::chrono::minutes;
  m.scheduler.add({"expire-bookings", "Expires unpaid holds past their time and returns the seats.",
                   jobs::Schedule::interval(m.settings.booking.expiry_interval), minutes(5),
                   [&m](jobs::JobContext&) {
                     const auto expired = m.bookings.expire_overdue();
                     return jobs::JobResult{expired, {{"expired", expired}}};
                   }});
  m.scheduler.add(
      {"reconcile-payments",
       "Asks the gateway about open payment attempts whose notification has not arrived.",
       jobs::Schedule::interval(m.settings.payment.reconcile_interval), minutes(5),
       [&m](jobs::JobContext&) {
         const auto r = m.payments.reconcile();
         return jobs::JobResult{r.changed + r.closed,
                                {{"checked", r.checked},
                                 {"changed", r.changed},
                                 {"closed", r.closed},
                                 {"errors", r.errors}}};
       }});
  const int purge_at = m.settings.jobs.purge_minute_of_day;
  m.scheduler.add(
      {"purge",
       "Deletes expired Idempotency-Keys, login codes and refresh tokens, and old job runs.",
       jobs::Schedule::daily(purge_at / 60, purge_at % 60), minutes(15),
       [&m](jobs::JobContext& ctx) {
         nlohmann::json detail;
         detail["idempotency_keys"] = m.bookings.purge_idempotency_keys();
         detail["login_codes"] = ctx.stop_requested() ? 0 : m.codes.purge_expired();
         detail["refresh_tokens"] = ctx.stop_requested() ? 0 : m.refresh.purge_expired();
         detail["job_runs"] = ctx.stop_requested() ? 0 : m.scheduler.purge_runs();
         std::uint64_t rows = 0;
         for (const auto& [table, n] : detail.items()) {
           rows += n.get<std::uint64_t>();
         }
         return jobs::JobResult{rows, detail, !ctx.stop_requested()};
       }});
  m.scheduler.add({"rollup-sales",
                   "Recomputes the daily paid-sales rollup (monthly-sales) for the days whose "
                   "bookings changed.",
                   jobs::Schedule::interval(m.settings.reporting.rollup_interval), minutes(15),
                   [&m](jobs::JobContext& ctx) {
                     const auto r = m.reports.rollup_sales([&ctx] { return ctx.stop_requested(); });
                     return jobs::JobResult{
                         r.days, {{"days", r.days}, {"days_with_sales", r.with_sales}}, r.complete};
                   }});
  // Each replica flushes its own counts on its own timer (RequestCountFlusher says why); this
  // entry flushes the counts of the replica that runs it: hourly under the lease, or now when an
  // admin asks the replica that gets the request.
  m.scheduler.add({"flush-request-counts",
                   "Writes this replica's in-memory request counts to request_counts now.",
                   jobs::Schedule::interval(std::chrono::hours(1)), minutes(1),
                   [&m](jobs::JobContext&) {
                     const auto cells = m.request_counts.flush();
                     return jobs::JobResult{cells, {{"cells", cells}}};
                   }});
  // Tests only (APP_ENV=test, JOBS_TEST_SLEEP_MS): a job that is slow on purpose, to test the
  // lease, the 409 and a replica's death in the middle of a run.
  if (m.settings.jobs.test_sleep.count() > 0) {
    const auto duration = m.settings.jobs.test_sleep;
    m.scheduler.add({"sleep", "Test only: waits JOBS_TEST_SLEEP_MS, or until stopped.",
                     jobs::Schedule::interval(m.settings.jobs.test_sleep_interval),
                     m.settings.jobs.test_sleep_timeout, [duration](jobs::JobContext& ctx) {
                       const bool complete = ctx.sleep_for(duration);
                       return jobs::JobResult{1, nlohmann::json::object(), complete};
                     }});
  }
}

auth::TrustedProxies parse_proxies(const std::string& csv) {
  try {
    return auth::TrustedProxies::parse(csv);
  } catch (const std::invalid_argument& e) {
    throw core::ConfigError(e.what());
  }
}
}  // namespace

Modules::Modules(const Settings& cfg, db::Pool& pool, prometheus::Registry& registry)
    : settings(cfg),
      hasher(identity::PasswordHasherOptions{cfg.auth.hash_concurrency}),
      policy(identity::PasswordPolicy::load(cfg.auth.common_passwords_file)),
      jwt(signing_key(cfg), auth::JwtOptions{cfg.auth.jwt_issuer, cfg.auth.jwt_audience,
                                             cfg.auth.access_token_ttl, std::chrono::seconds(30)}),
      token_verifier(jwt),
      refresh(pool, cfg.auth.refresh_token_ttl),
      codes(pool, login_code_key(cfg), std::chrono::minutes(10), 5),
      mailer(make_mailer(cfg.auth, pool)),
      outbox(dynamic_cast<auth::OutboxMailer*>(mailer.get())),
      proxies(parse_proxies(cfg.auth.trusted_proxies)),
      limits{limiter(cfg.auth.rate_login_ip),    limiter(cfg.auth.rate_login_account),
             limiter(cfg.auth.rate_code_ip),     limiter(cfg.auth.rate_code_account),
             limiter(cfg.auth.rate_verify_ip),   limiter(cfg.auth.rate_verify_account),
             limiter(cfg.auth.rate_register_ip), limiter(cfg.auth.rate_users_create)},
      users(pool, hasher, policy),
      auth(users, hasher, jwt, refresh, codes, *mailer, limits),
      authenticator(token_verifier),
      catalog(pool, catalog::CatalogOptions{cfg.catalog.cache_ttl}, registry),
      bookings(pool, booking::BookingOptions{cfg.booking.hold, cfg.booking.stock_estimate,
                                             cfg.booking.batched ? booking::WriteMode::batched
                                                                 : booking::WriteMode::single,
                                             cfg.booking.batch_max, cfg.booking.batch_gather,
                                             cfg.booking.max_in_flight, cfg.booking.max_waiting}),
      payments(pool, bookings, users, cfg.payment),
      reports_pool(open_reports_pool(cfg, pool)),
      reports(pool, reports_pool ? *reports_pool : pool,
              reporting::ReportingOptions{cfg.reporting.rollup_overlap}),
      request_counts(std::make_shared<http::RequestCounter>(), reports,
                     cfg.reporting.flush_interval),
      scheduler(pool, cfg.jobs, registry) {
  users.on_sessions_invalidated = [this](std::int64_t user_id) { refresh.revoke_user(user_id); };
  // A booking, cancel or expiry changes `available`: drop this replica's cached copy at once
  // (other replicas catch up within one cache TTL).
  bookings.on_stock_changed = [this](std::int64_t concert_id) {
    catalog.invalidate_concert(concert_id);
  };
  register_jobs(*this);
}

void Modules::register_routes(http::Router& router) {
  // The mail outbox is readable over HTTP only outside production (docs/api.md).
  auth::OutboxMailer* readable_outbox =
      settings.core.app_env == core::AppEnv::production ? nullptr : outbox;
  auth_routes_ = std::make_unique<auth::AuthRouteDeps>(auth::AuthRouteDeps{
      auth, users, authenticator, jwt, proxies, readable_outbox, settings.auth.refresh_token_ttl});
  user_routes_ = std::make_unique<users::UserRouteDeps>(
      users::UserRouteDeps{users, authenticator, *limits.users_create});
  auth::register_routes(router, *auth_routes_);
  users::register_routes(router, *user_routes_);
  catalog_routes_ = std::make_unique<catalog::CatalogRouteDeps>(
      catalog::CatalogRouteDeps{catalog, authenticator});
  catalog::register_routes(router, *catalog_routes_);
  booking_routes_ = std::make_unique<booking::BookingRouteDeps>(
      booking::BookingRouteDeps{bookings, authenticator});
  booking::register_routes(router, *booking_routes_);
  payment_routes_ = std::make_unique<payment::PaymentRouteDeps>(
      payment::PaymentRouteDeps{payments, authenticator});
  payment::register_routes(router, *payment_routes_);
  job_routes_ = std::make_unique<jobs::JobRouteDeps>(
      jobs::JobRouteDeps{scheduler, authenticator, settings.booking.business_tz});
  jobs::register_routes(router, *job_routes_);
  report_routes_ = std::make_unique<reporting::ReportRouteDeps>(
      reporting::ReportRouteDeps{reports, authenticator});
  reporting::register_routes(router, *report_routes_);
}

}  // namespace tiket::app
