#include "core/config.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <optional>

#include "core/clock.hpp"

extern char**
    environ;  // NOLINT(readability-redundant-declaration): POSIX, not declared by <unistd.h> in C++

namespace tiket::core {

namespace {

// The development default; production must name its database explicitly.
constexpr std::string_view kDevDatabaseUrl = "mysql://tiket@127.0.0.1:3307/tiket";

std::optional<std::string_view> lookup(const Environment& env, std::string_view name) {
  const auto it = env.find(name);
  if (it == env.end() || it->second.empty()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

template <typename T>
T parse_number(const Environment& env, std::string_view name, T fallback, T min, T max) {
  const auto raw = lookup(env, name);
  if (!raw) {
    return fallback;
  }
  T value{};
  const auto* end = raw->data() + raw->size();
  const auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (ec != std::errc{} || ptr != end || value < min || value > max) {
    throw ConfigError(std::string(name) + ": expected a whole number from " + std::to_string(min) +
                      " to " + std::to_string(max) + ", got '" + std::string(*raw) + "'");
  }
  return value;
}

bool parse_bool(const Environment& env, std::string_view name, bool fallback) {
  const auto raw = lookup(env, name);
  if (!raw) {
    return fallback;
  }
  if (*raw == "1" || *raw == "true" || *raw == "yes" || *raw == "on") {
    return true;
  }
  if (*raw == "0" || *raw == "false" || *raw == "no" || *raw == "off") {
    return false;
  }
  throw ConfigError(std::string(name) + ": expected true or false, got '" + std::string(*raw) +
                    "'");
}

RateSpec parse_rate(const Environment& env, std::string_view name, RateSpec fallback) {
  const auto raw = lookup(env, name);
  if (!raw) {
    return fallback;
  }
  const auto slash = raw->find('/');
  RateSpec spec{};
  const auto parse = [](std::string_view part, unsigned& out) {
    const auto* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, out);
    return !part.empty() && ec == std::errc{} && ptr == end && out >= 1 && out <= 1'000'000;
  };
  if (slash == std::string_view::npos || !parse(raw->substr(0, slash), spec.burst) ||
      !parse(raw->substr(slash + 1), spec.period_seconds)) {
    throw ConfigError(std::string(name) + ": expected BURST/SECONDS such as 10/60, got '" +
                      std::string(*raw) + "'");
  }
  return spec;
}

std::string text(const Environment& env, std::string_view name, std::string fallback) {
  const auto raw = lookup(env, name);
  return raw ? std::string(*raw) : std::move(fallback);
}

}  // namespace

std::string_view to_string(AppEnv env) {
  switch (env) {
    case AppEnv::development:
      return "development";
    case AppEnv::test:
      return "test";
    case AppEnv::production:
      return "production";
  }
  return "unknown";
}

Environment current_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view kv(*entry);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

Config load_config(const Environment& env) {
  Config cfg;

  if (const auto app_env = lookup(env, "APP_ENV")) {
    if (*app_env == "development") {
      cfg.app_env = AppEnv::development;
    } else if (*app_env == "test") {
      cfg.app_env = AppEnv::test;
    } else if (*app_env == "production") {
      cfg.app_env = AppEnv::production;
    } else {
      throw ConfigError("APP_ENV: expected development, test or production, got '" +
                        std::string(*app_env) + "'");
    }
  }
  const bool production = cfg.app_env == AppEnv::production;

  if (const auto host = lookup(env, "HOST")) {
    cfg.host = std::string(*host);
  }
  // 0 asks the OS for a free port (the integration tests use it).
  cfg.port = parse_number<std::uint16_t>(env, "PORT", 8080, 0, 65535);

  const auto url = lookup(env, "DATABASE_URL");
  if (!url && production) {
    throw ConfigError("DATABASE_URL: required when APP_ENV=production (no development default)");
  }
  try {
    cfg.database = parse_database_url(url.value_or(kDevDatabaseUrl));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("DATABASE_URL: ") + e.what());
  }
  if (production && cfg.database.password.empty()) {
    throw ConfigError("DATABASE_URL: a password is required when APP_ENV=production");
  }

  if (const auto level = lookup(env, "LOG_LEVEL")) {
    static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                                "error", "critical", "off"};
    bool known = false;
    for (const auto candidate : kLevels) {
      known = known || candidate == *level;
    }
    if (!known) {
      throw ConfigError(
          "LOG_LEVEL: expected trace, debug, info, warn, error, critical or off, got '" +
          std::string(*level) + "'");
    }
    cfg.log_level = std::string(*level);
  }

  cfg.http_threads = parse_number<unsigned>(env, "HTTP_THREADS", cfg.http_threads, 1, 64);
  cfg.worker_threads = parse_number<unsigned>(env, "WORKER_THREADS", cfg.worker_threads, 1, 256);
  cfg.worker_queue =
      parse_number<std::size_t>(env, "WORKER_QUEUE_SIZE", cfg.worker_queue, 1, 1'000'000);
  cfg.db_pool_size = parse_number<unsigned>(env, "DB_POOL_SIZE", cfg.db_pool_size, 1, 512);
  cfg.db_pool_wait = std::chrono::milliseconds(
      parse_number<long>(env, "DB_POOL_WAIT_MS", cfg.db_pool_wait.count(), 1, 600'000));
  cfg.db_connect_timeout = std::chrono::seconds(
      parse_number<long>(env, "DB_CONNECT_TIMEOUT_S", cfg.db_connect_timeout.count(), 1, 600));
  cfg.db_read_timeout = std::chrono::seconds(
      parse_number<long>(env, "DB_READ_TIMEOUT_S", cfg.db_read_timeout.count(), 1, 3600));

  cfg.max_body_bytes = parse_number<std::size_t>(env, "HTTP_MAX_BODY_BYTES", cfg.max_body_bytes,
                                                 1024, 64UL * 1024 * 1024);
  cfg.header_timeout = std::chrono::milliseconds(
      parse_number<long>(env, "HTTP_HEADER_TIMEOUT_MS", cfg.header_timeout.count(), 100, 600'000));
  cfg.body_timeout = std::chrono::milliseconds(
      parse_number<long>(env, "HTTP_BODY_TIMEOUT_MS", cfg.body_timeout.count(), 100, 600'000));
  cfg.keepalive_timeout = std::chrono::seconds(
      parse_number<long>(env, "HTTP_KEEPALIVE_TIMEOUT_S", cfg.keepalive_timeout.count(), 1, 3600));
  cfg.shutdown_timeout = std::chrono::milliseconds(
      parse_number<long>(env, "SHUTDOWN_TIMEOUT_MS", cfg.shutdown_timeout.count(), 0, 600'000));
  cfg.shutdown_idle_grace = std::chrono::milliseconds(parse_number<long>(
      env, "SHUTDOWN_IDLE_GRACE_MS", cfg.shutdown_idle_grace.count(), 0, 600'000));

  if (const auto dir = lookup(env, "MIGRATIONS_DIR")) {
    cfg.migrations_dir = std::string(*dir);
  }
  cfg.migrate_on_start = parse_bool(env, "MIGRATE_ON_START", cfg.migrate_on_start);
  cfg.local_dir = text(env, "LOCAL_DIR", cfg.local_dir);

  cfg.jwt_private_key_file = text(env, "JWT_PRIVATE_KEY_FILE", "");
  if (production && cfg.jwt_private_key_file.empty()) {
    throw ConfigError(
        "JWT_PRIVATE_KEY_FILE: required when APP_ENV=production (development keys are generated "
        "under LOCAL_DIR/keys)");
  }
  cfg.jwt_issuer = text(env, "JWT_ISSUER", cfg.jwt_issuer);
  cfg.jwt_audience = text(env, "JWT_AUDIENCE", cfg.jwt_audience);
  cfg.access_token_ttl = std::chrono::seconds(
      parse_number<long>(env, "JWT_ACCESS_TTL_S", cfg.access_token_ttl.count(), 60, 86'400));
  cfg.refresh_token_ttl =
      std::chrono::hours(24 * parse_number<long>(env, "REFRESH_TOKEN_TTL_DAYS", 30, 1, 365));
  cfg.login_code_secret = text(env, "LOGIN_CODE_SECRET", "");
  if (!cfg.login_code_secret.empty() && cfg.login_code_secret.size() < 32) {
    throw ConfigError("LOGIN_CODE_SECRET: must be at least 32 characters");
  }
  if (production && cfg.login_code_secret.empty()) {
    throw ConfigError(
        "LOGIN_CODE_SECRET: required when APP_ENV=production (at least 32 characters)");
  }
  cfg.hash_concurrency =
      parse_number<unsigned>(env, "AUTH_HASH_CONCURRENCY", cfg.hash_concurrency, 1, 64);
  cfg.common_passwords_file = text(env, "COMMON_PASSWORDS_FILE", cfg.common_passwords_file);
  cfg.trusted_proxies = text(env, "TRUSTED_PROXIES", "");

  cfg.mailer = text(env, "MAILER", production ? "smtp" : "outbox");
  if (cfg.mailer != "outbox" && cfg.mailer != "smtp") {
    throw ConfigError("MAILER: expected outbox or smtp, got '" + cfg.mailer + "'");
  }
  if (production && cfg.mailer == "outbox") {
    throw ConfigError("MAILER: outbox is for development and test; production needs smtp");
  }
  cfg.smtp_url = text(env, "SMTP_URL", "");
  cfg.smtp_from = text(env, "SMTP_FROM", "");
  cfg.smtp_username = text(env, "SMTP_USERNAME", "");
  cfg.smtp_password = text(env, "SMTP_PASSWORD", "");
  cfg.smtp_require_tls = parse_bool(env, "SMTP_REQUIRE_TLS", production);
  if (cfg.mailer == "smtp" && (cfg.smtp_url.empty() || cfg.smtp_from.empty())) {
    throw ConfigError(std::string(cfg.smtp_url.empty() ? "SMTP_URL" : "SMTP_FROM") +
                      ": required when MAILER=smtp");
  }

  cfg.rate_login_ip = parse_rate(env, "RATE_LIMIT_LOGIN_IP", cfg.rate_login_ip);
  cfg.rate_login_account = parse_rate(env, "RATE_LIMIT_LOGIN_ACCOUNT", cfg.rate_login_account);
  cfg.rate_code_ip = parse_rate(env, "RATE_LIMIT_LOGIN_CODE_IP", cfg.rate_code_ip);
  cfg.rate_code_account = parse_rate(env, "RATE_LIMIT_LOGIN_CODE_ACCOUNT", cfg.rate_code_account);
  cfg.rate_verify_ip = parse_rate(env, "RATE_LIMIT_VERIFY_IP", cfg.rate_verify_ip);
  cfg.rate_verify_account = parse_rate(env, "RATE_LIMIT_VERIFY_ACCOUNT", cfg.rate_verify_account);
  cfg.rate_register_ip = parse_rate(env, "RATE_LIMIT_REGISTER_IP", cfg.rate_register_ip);
  cfg.rate_users_create = parse_rate(env, "RATE_LIMIT_USERS_CREATE", cfg.rate_users_create);

  cfg.catalog_cache_ttl = std::chrono::milliseconds(
      parse_number<long>(env, "CATALOG_CACHE_TTL_MS", cfg.catalog_cache_ttl.count(), 0, 3'600'000));
  cfg.booking_hold = std::chrono::minutes(
      parse_number<long>(env, "BOOKING_HOLD_MINUTES", cfg.booking_hold.count(), 1, 1440));
  cfg.business_tz = text(env, "BUSINESS_TZ", cfg.business_tz);
  if (!valid_time_zone(cfg.business_tz)) {
    throw ConfigError("BUSINESS_TZ: '" + cfg.business_tz +
                      "' is not an IANA time zone name found under /usr/share/zoneinfo");
  }
  cfg.booking_expiry_interval = std::chrono::seconds(parse_number<long>(
      env, "BOOKING_EXPIRY_INTERVAL_S", cfg.booking_expiry_interval.count(), 1, 3600));
  return cfg;
}

}  // namespace tiket::core
