// core's own settings (core::load_config), each module's reader, and the whole process's
// settings as app composes them (app::load_settings).
#include "core/config.hpp"

#include <gtest/gtest.h>

#include "app/settings.hpp"
#include "auth/settings.hpp"
#include "booking/settings.hpp"
#include "catalog/settings.hpp"
#include "core/env.hpp"

using tiket::app::load_settings;
using tiket::core::AppEnv;
using tiket::core::ConfigError;
using tiket::core::Environment;
using tiket::core::EnvReader;
using tiket::core::load_config;

namespace {
// The one-line error the whole process's settings give for `env`; "" when they load.
std::string error_for(const Environment& env) {
  try {
    load_settings(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, DefaultsAreDevelopmentFriendly) {
  const auto cfg = load_config({});
  EXPECT_EQ(cfg.app_env, AppEnv::development);
  EXPECT_EQ(cfg.port, 8080);
  EXPECT_EQ(cfg.max_body_bytes, 1024U * 1024U);
  EXPECT_EQ(cfg.database.host, "127.0.0.1");
  EXPECT_TRUE(cfg.migrate_on_start);
}

TEST(Config, ReadsEveryVariable) {
  const auto cfg = load_config({{"APP_ENV", "test"},
                                {"PORT", "9000"},
                                {"HOST", "127.0.0.1"},
                                {"DATABASE_URL", "mysql://u:p@db:3310/x"},
                                {"LOG_LEVEL", "warn"},
                                {"HTTP_THREADS", "3"},
                                {"WORKER_THREADS", "5"},
                                {"WORKER_QUEUE_SIZE", "7"},
                                {"DB_POOL_SIZE", "4"},
                                {"DB_POOL_WAIT_MS", "250"},
                                {"DB_CONNECT_TIMEOUT_S", "2"},
                                {"DB_READ_TIMEOUT_S", "9"},
                                {"HTTP_MAX_BODY_BYTES", "2048"},
                                {"SHUTDOWN_TIMEOUT_MS", "1234"},
                                {"MIGRATIONS_DIR", "/m"},
                                {"MIGRATE_ON_START", "false"}});
  EXPECT_EQ(cfg.app_env, AppEnv::test);
  EXPECT_EQ(cfg.port, 9000);
  EXPECT_EQ(cfg.host, "127.0.0.1");
  EXPECT_EQ(cfg.database.port, 3310);
  EXPECT_EQ(cfg.log_level, "warn");
  EXPECT_EQ(cfg.http_threads, 3U);
  EXPECT_EQ(cfg.worker_threads, 5U);
  EXPECT_EQ(cfg.worker_queue, 7U);
  EXPECT_EQ(cfg.db_pool_size, 4U);
  EXPECT_EQ(cfg.db_pool_wait.count(), 250);
  EXPECT_EQ(cfg.db_connect_timeout.count(), 2);
  EXPECT_EQ(cfg.db_read_timeout.count(), 9);
  EXPECT_EQ(cfg.max_body_bytes, 2048U);
  EXPECT_EQ(cfg.shutdown_timeout.count(), 1234);
  EXPECT_EQ(cfg.migrations_dir, "/m");
  EXPECT_FALSE(cfg.migrate_on_start);
}

TEST(Config, CatalogAndBookingSettings) {
  const Environment none;
  const auto catalog_defaults = tiket::catalog::read_settings(EnvReader(none));
  const auto booking_defaults = tiket::booking::read_settings(EnvReader(none));
  EXPECT_EQ(catalog_defaults.cache_ttl.count(), 2000);
  EXPECT_EQ(booking_defaults.hold.count(), 15);
  EXPECT_EQ(booking_defaults.business_tz, "Asia/Jakarta");
  EXPECT_EQ(booking_defaults.expiry_interval.count(), 30);
  const Environment env = {{"CATALOG_CACHE_TTL_MS", "0"},
                           {"BOOKING_HOLD_MINUTES", "5"},
                           {"BUSINESS_TZ", "Asia/Makassar"},
                           {"BOOKING_EXPIRY_INTERVAL_S", "7"}};
  const auto cfg = load_settings(env);
  EXPECT_EQ(cfg.catalog.cache_ttl.count(), 0);
  EXPECT_EQ(cfg.booking.hold.count(), 5);
  EXPECT_EQ(cfg.booking.business_tz, "Asia/Makassar");
  EXPECT_EQ(cfg.booking.expiry_interval.count(), 7);
}

TEST(Config, AuthDefaultsAreUnchanged) {
  const auto cfg = load_settings({});
  EXPECT_EQ(cfg.auth.jwt_issuer, "tiket");
  EXPECT_EQ(cfg.auth.jwt_audience, "tiket-api");
  EXPECT_EQ(cfg.auth.access_token_ttl.count(), 900);
  EXPECT_EQ(cfg.auth.refresh_token_ttl, std::chrono::hours(24 * 30));
  EXPECT_EQ(cfg.auth.hash_concurrency, 2U);
  EXPECT_EQ(cfg.auth.common_passwords_file, "data/common-passwords.txt");
  EXPECT_EQ(cfg.auth.mailer, "outbox");
  EXPECT_FALSE(cfg.auth.smtp_require_tls);
  EXPECT_EQ(cfg.auth.rate_login_ip.burst, 1000U);  // development; 20 in test and production
  EXPECT_EQ(cfg.auth.rate_register_ip.period_seconds, 3600U);
  EXPECT_EQ(cfg.auth.rate_users_create.burst, 30U);
  EXPECT_EQ(cfg.demo_catalog_file, "data/demo-catalog.json");
}

TEST(Config, DevelopmentRelaxesTheLoginAndRegisterLimitsOnly) {
  // The Postman collection runs again and again against one development server (tests/api/).
  const auto dev = load_settings({});
  EXPECT_EQ(dev.auth.rate_register_ip.burst, 1000U);
  EXPECT_EQ(dev.auth.rate_login_ip.burst, 1000U);
  EXPECT_EQ(dev.auth.rate_login_account.burst, 1000U);
  EXPECT_EQ(dev.auth.rate_code_account.burst, 3U);
  const Environment production = {{"APP_ENV", "production"},
                                  {"DATABASE_URL", "mysql://app:s3cret@db/t"},
                                  {"JWT_PRIVATE_KEY_FILE", "/run/secrets/jwt.pem"},
                                  {"LOGIN_CODE_SECRET", std::string(32, 's')},
                                  {"SMTP_URL", "smtp://mail:587"},
                                  {"SMTP_FROM", "no-reply@tiket.example"},
                                  {"MIDTRANS_SERVER_KEY", "Mid-server-prod"}};
  for (const auto& env : {Environment{{"APP_ENV", "test"}}, production}) {
    const auto cfg = load_settings(env);
    EXPECT_EQ(cfg.auth.rate_register_ip.burst, 10U) << env.at("APP_ENV");
    EXPECT_EQ(cfg.auth.rate_register_ip.period_seconds, 3600U) << env.at("APP_ENV");
    EXPECT_EQ(cfg.auth.rate_login_ip.burst, 20U) << env.at("APP_ENV");
    EXPECT_EQ(cfg.auth.rate_login_account.burst, 10U) << env.at("APP_ENV");
  }
  const tiket::auth::Settings defaults;
  EXPECT_EQ(defaults.rate_register_ip.burst, 10U);
  EXPECT_EQ(load_settings({{"RATE_LIMIT_REGISTER_IP", "5/60"}}).auth.rate_register_ip.burst, 5U);
}

TEST(Config, EachModuleReadsItsOwnVariables) {
  const Environment env = {{"JWT_ISSUER", "iss"},
                           {"JWT_ACCESS_TTL_S", "120"},
                           {"REFRESH_TOKEN_TTL_DAYS", "2"},
                           {"AUTH_HASH_CONCURRENCY", "3"},
                           {"COMMON_PASSWORDS_FILE", "/p.txt"},
                           {"TRUSTED_PROXIES", "10.0.0.0/8"},
                           {"SMTP_REQUIRE_TLS", "yes"},
                           {"RATE_LIMIT_USERS_CREATE", "3/7"},
                           {"CATALOG_CACHE_TTL_MS", "250"},
                           {"DEMO_CATALOG_FILE", "/demo.json"}};
  const auto auth = tiket::auth::read_settings(EnvReader(env), AppEnv::development);
  EXPECT_EQ(auth.jwt_issuer, "iss");
  EXPECT_EQ(auth.access_token_ttl.count(), 120);
  EXPECT_EQ(auth.refresh_token_ttl, std::chrono::hours(48));
  EXPECT_EQ(auth.hash_concurrency, 3U);
  EXPECT_EQ(auth.common_passwords_file, "/p.txt");
  EXPECT_EQ(auth.trusted_proxies, "10.0.0.0/8");
  EXPECT_TRUE(auth.smtp_require_tls);
  EXPECT_EQ(auth.rate_users_create.burst, 3U);
  EXPECT_EQ(auth.rate_users_create.period_seconds, 7U);
  // app composes the same values.
  const auto all = load_settings(env);
  EXPECT_EQ(all.auth.jwt_issuer, "iss");
  EXPECT_EQ(all.catalog.cache_ttl.count(), 250);
  EXPECT_EQ(all.demo_catalog_file, "/demo.json");
}

TEST(EnvReader, TreatsEmptyAsUnsetAndNamesTheVariableInEveryError) {
  const Environment env = {{"EMPTY", ""}, {"N", "12"}, {"BAD", "12x"}, {"B", "off"}};
  const EnvReader reader(env);
  EXPECT_FALSE(reader.value("EMPTY"));
  EXPECT_FALSE(reader.value("MISSING"));
  EXPECT_EQ(reader.text("EMPTY", "fallback"), "fallback");
  EXPECT_EQ(reader.number<int>("EMPTY", 5, 1, 10), 5);
  EXPECT_EQ(reader.number<int>("N", 5, 1, 20), 12);
  EXPECT_FALSE(reader.boolean("B", true));
  try {
    reader.number<int>("BAD", 5, 1, 20);
    ADD_FAILURE() << "12x was accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "BAD: expected a whole number from 1 to 20, got '12x'");
  }
  try {
    reader.number<int>("N", 5, 1, 10);
    ADD_FAILURE() << "12 was accepted for 1..10";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "N: expected a whole number from 1 to 10, got '12'");
  }
  EXPECT_THROW(reader.boolean("N", false), ConfigError);
}

TEST(Config, BadValueNamesTheVariableOnOneLine) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"PORT", "eighty"},
                                                        {"PORT", "70000"},
                                                        {"PORT", "-1"},
                                                        {"PORT", "80x"},
                                                        {"APP_ENV", "staging"},
                                                        {"LOG_LEVEL", "loud"},
                                                        {"WORKER_THREADS", "0"},
                                                        {"MIGRATE_ON_START", "maybe"},
                                                        {"DATABASE_URL", "postgres://x@y/z"},
                                                        {"CATALOG_CACHE_TTL_MS", "-5"},
                                                        {"BOOKING_HOLD_MINUTES", "0"},
                                                        {"BOOKING_EXPIRY_INTERVAL_S", "1h"},
                                                        {"BUSINESS_TZ", "Asia/Atlantis"},
                                                        {"BUSINESS_TZ", "../../etc/passwd"},
                                                        {"AUTH_HASH_CONCURRENCY", "0"},
                                                        {"JWT_ACCESS_TTL_S", "59"},
                                                        {"REFRESH_TOKEN_TTL_DAYS", "366"},
                                                        {"MAILER", "pigeon"},
                                                        {"SMTP_REQUIRE_TLS", "sometimes"},
                                                        {"RATE_LIMIT_USERS_CREATE", "1/0"},
                                                        {"HTTP_KEEPALIVE_TIMEOUT_S", "0"}}) {
    const auto message = error_for({{name, value}});
    EXPECT_TRUE(message.starts_with(name + ":")) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(Config, ProductionRefusesDevelopmentDefaults) {
  Environment prod = {{"APP_ENV", "production"},
                      {"DATABASE_URL", "mysql://app:s3cret@db/t"},
                      {"JWT_PRIVATE_KEY_FILE", "/run/secrets/jwt.pem"},
                      {"LOGIN_CODE_SECRET", std::string(32, 's')},
                      {"SMTP_URL", "smtp://mail:587"},
                      {"SMTP_FROM", "no-reply@tiket.example"},
                      {"MIDTRANS_SERVER_KEY", "Mid-server-prod"}};
  EXPECT_EQ(error_for(prod), "");
  const auto cfg = load_settings(prod);
  EXPECT_EQ(cfg.auth.mailer, "smtp");
  EXPECT_TRUE(cfg.auth.smtp_require_tls);

  // Each development default is refused, one at a time, naming its variable.
  for (const auto* name : {"DATABASE_URL", "JWT_PRIVATE_KEY_FILE", "LOGIN_CODE_SECRET", "SMTP_URL",
                           "SMTP_FROM", "MIDTRANS_SERVER_KEY"}) {
    auto missing = prod;
    missing.erase(name);
    EXPECT_TRUE(error_for(missing).starts_with(std::string(name) + ":")) << name;
  }
  auto rootless = prod;
  rootless["DATABASE_URL"] = "mysql://root@db:3306/t";
  EXPECT_NE(error_for(rootless).find("password"), std::string::npos);
  auto outbox = prod;
  outbox["MAILER"] = "outbox";
  EXPECT_TRUE(error_for(outbox).starts_with("MAILER:"));
  // Production confirms every notification with the status API unless told otherwise.
  EXPECT_TRUE(cfg.payment.verify_with_status);
  EXPECT_FALSE(load_settings({}).payment.verify_with_status);
  EXPECT_TRUE(error_for({{"MIDTRANS_API_URL", "ftp://x"}}).starts_with("MIDTRANS_API_URL:"));
}

TEST(Config, RateLimitsUseBurstPerSeconds) {
  const Environment env = {{"RATE_LIMIT_LOGIN_IP", "5/30"}};
  const auto cfg = tiket::auth::read_settings(EnvReader(env), AppEnv::development);
  EXPECT_EQ(cfg.rate_login_ip.burst, 5U);
  EXPECT_EQ(cfg.rate_login_ip.period_seconds, 30U);
  for (const char* bad : {"5", "5/", "/30", "0/30", "5/0", "a/b", "5/30/1"}) {
    EXPECT_TRUE(error_for({{"RATE_LIMIT_LOGIN_IP", bad}}).starts_with("RATE_LIMIT_LOGIN_IP:"))
        << bad;
  }
  EXPECT_TRUE(error_for({{"LOGIN_CODE_SECRET", "short"}}).starts_with("LOGIN_CODE_SECRET:"));
}

TEST(Config, DatabaseErrorNeverEchoesThePassword) {
  const auto message = error_for({{"DATABASE_URL", "mysql://u:hunter2@host:notaport/db"}});
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}
