#include "core/config.hpp"

#include <gtest/gtest.h>

using tiket::core::AppEnv;
using tiket::core::ConfigError;
using tiket::core::Environment;
using tiket::core::load_config;

namespace {
std::string error_for(const Environment& env) {
  try {
    load_config(env);
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
  const auto defaults = load_config({});
  EXPECT_EQ(defaults.catalog_cache_ttl.count(), 2000);
  EXPECT_EQ(defaults.booking_hold.count(), 15);
  EXPECT_EQ(defaults.business_tz, "Asia/Jakarta");
  EXPECT_EQ(defaults.booking_expiry_interval.count(), 30);
  const auto cfg = load_config({{"CATALOG_CACHE_TTL_MS", "0"},
                                {"BOOKING_HOLD_MINUTES", "5"},
                                {"BUSINESS_TZ", "Asia/Makassar"},
                                {"BOOKING_EXPIRY_INTERVAL_S", "7"}});
  EXPECT_EQ(cfg.catalog_cache_ttl.count(), 0);
  EXPECT_EQ(cfg.booking_hold.count(), 5);
  EXPECT_EQ(cfg.business_tz, "Asia/Makassar");
  EXPECT_EQ(cfg.booking_expiry_interval.count(), 7);
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
                                                        {"BUSINESS_TZ", "../../etc/passwd"}}) {
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
                      {"SMTP_FROM", "no-reply@tiket.example"}};
  EXPECT_EQ(error_for(prod), "");
  const auto cfg = load_config(prod);
  EXPECT_EQ(cfg.mailer, "smtp");
  EXPECT_TRUE(cfg.smtp_require_tls);

  // Each development default is refused, one at a time, naming its variable.
  for (const auto* name :
       {"DATABASE_URL", "JWT_PRIVATE_KEY_FILE", "LOGIN_CODE_SECRET", "SMTP_URL", "SMTP_FROM"}) {
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
}

TEST(Config, RateLimitsUseBurstPerSeconds) {
  const auto cfg = load_config({{"RATE_LIMIT_LOGIN_IP", "5/30"}});
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
