#pragma once

#include <prometheus/registry.h>

#include <memory>

#include "app/request_count_flusher.hpp"
#include "app/settings.hpp"
#include "auth/client_ip.hpp"
#include "auth/jwt.hpp"
#include "auth/login_codes.hpp"
#include "auth/mailer.hpp"
#include "auth/outbox_mailer.hpp"
#include "auth/refresh_tokens.hpp"
#include "auth/routes.hpp"
#include "auth/service.hpp"
#include "booking/routes.hpp"
#include "booking/service.hpp"
#include "catalog/routes.hpp"
#include "catalog/service.hpp"
#include "db/pool.hpp"
#include "http/authenticator.hpp"
#include "http/router.hpp"
#include "identity/password.hpp"
#include "identity/password_policy.hpp"
#include "jobs/routes.hpp"
#include "jobs/scheduler.hpp"
#include "payment/routes.hpp"
#include "payment/service.hpp"
#include "reporting/routes.hpp"
#include "reporting/service.hpp"
#include "users/routes.hpp"
#include "users/service.hpp"

namespace tiket::app {

// Every feature module, built once from the settings. Owned by serve() (or a CLI
// command) for the life of the process; routes hold references into it. Modules add their
// domain metrics to `registry` (the server's; a CLI command passes a throwaway one).
struct Modules {
  Modules(const Settings& cfg, db::Pool& pool, prometheus::Registry& registry);

  void register_routes(http::Router& router);

  const Settings& settings;
  identity::PasswordHasher hasher;
  identity::PasswordPolicy policy;
  auth::JwtService jwt;
  auth::JwtAccessTokenVerifier token_verifier;
  auth::RefreshTokenStore refresh;
  auth::LoginCodeStore codes;
  std::unique_ptr<auth::Mailer> mailer;
  auth::OutboxMailer* outbox = nullptr;  // the mailer, when it is the outbox
  auth::TrustedProxies proxies;
  auth::AuthLimits limits;
  users::UserService users;
  auth::AuthService auth;
  http::Authenticator authenticator;
  catalog::CatalogService catalog;
  booking::BookingService bookings;
  payment::PaymentService payments;
  // REPORTS_DATABASE_URL's pool (a replica); null when the reports read the primary.
  std::unique_ptr<db::Pool> reports_pool;
  reporting::ReportingService reports;
  // This replica's request counts and their flush timer (started by serve()).
  RequestCountFlusher request_counts;
  // Last: its running jobs use the services above, so it is destroyed (and stopped) first.
  jobs::Scheduler scheduler;

 private:
  std::unique_ptr<auth::AuthRouteDeps> auth_routes_;
  std::unique_ptr<users::UserRouteDeps> user_routes_;
  std::unique_ptr<catalog::CatalogRouteDeps> catalog_routes_;
  std::unique_ptr<booking::BookingRouteDeps> booking_routes_;
  std::unique_ptr<payment::PaymentRouteDeps> payment_routes_;
  std::unique_ptr<jobs::JobRouteDeps> job_routes_;
  std::unique_ptr<reporting::ReportRouteDeps> report_routes_;
};

}  // namespace tiket::app
