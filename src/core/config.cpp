#include "core/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace tiket::core {

namespace {

// The development default; production must name its database explicitly.
constexpr std::string_view kDevDatabaseUrl = "mysql://tiket@127.0.0.1:3307/tiket";

AppEnv read_app_env(const EnvReader& env) {
  const auto raw = env.value("APP_ENV");
  if (!raw || *raw == "development") {
    return AppEnv::development;
  }
  if (*raw == "test") {
    return AppEnv::test;
  }
  if (*raw == "production") {
    return AppEnv::production;
  }
  env.reject("APP_ENV", "development, test or production");
}

DatabaseUrl read_database(const EnvReader& env, bool production) {
  const auto url = env.value("DATABASE_URL");
  if (!url && production) {
    throw ConfigError("DATABASE_URL: required when APP_ENV=production (no development default)");
  }
  DatabaseUrl database;
  try {
    database = parse_database_url(url.value_or(kDevDatabaseUrl));
  } catch (const std::invalid_argument& e) {
    // The parser's reasons never echo the password, so neither does this message.
    throw ConfigError(std::string("DATABASE_URL: ") + e.what());
  }
  if (production && database.password.empty()) {
    throw ConfigError("DATABASE_URL: a password is required when APP_ENV=production");
  }
  return database;
}

std::string read_log_level(const EnvReader& env, std::string fallback) {
  const auto level = env.value("LOG_LEVEL");
  if (!level) {
    return fallback;
  }
  static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                              "error", "critical", "off"};
  for (const auto candidate : kLevels) {
    if (candidate == *level) {
      return std::string(*level);
    }
  }
  env.reject("LOG_LEVEL", "trace, debug, info, warn, error, critical or off");
}

// CORS_ALLOWED_ORIGINS: comma-separated `http(s)://host[:port]`, no path, no `*` (origins are
// echoed exactly, never as a wildcard). Stored in lower case, as browsers send them.
std::vector<std::string> read_cors_origins(const EnvReader& env) {
  std::vector<std::string> origins;
  const auto raw = env.value("CORS_ALLOWED_ORIGINS");
  if (!raw) {
    return origins;
  }
  std::size_t pos = 0;
  while (pos <= raw->size()) {
    const auto comma = raw->find(',', pos);
    const auto end = comma == std::string_view::npos ? raw->size() : comma;
    std::string origin;
    for (const char c : raw->substr(pos, end - pos)) {
      if (c != ' ' && c != '\t') {
        origin += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    const auto scheme_end = origin.find("://");
    const auto scheme = origin.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
    const auto authority =
        scheme_end == std::string::npos ? std::string() : origin.substr(scheme_end + 3);
    const bool valid_authority =
        !authority.empty() && std::all_of(authority.begin(), authority.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                 c == ':' || c == '[' || c == ']';
        });
    if ((scheme != "http" && scheme != "https") || !valid_authority) {
      env.reject("CORS_ALLOWED_ORIGINS",
                 "comma-separated origins like https://app.example or http://localhost:3000 "
                 "(no path, no *)");
    }
    origins.push_back(std::move(origin));
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return origins;
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

Config load_config(const Environment& environment) {
  const EnvReader env(environment);
  Config cfg;
  cfg.app_env = read_app_env(env);
  cfg.host = env.text("HOST", cfg.host);
  // 0 asks the OS for a free port (the integration tests use it).
  cfg.port = env.number<std::uint16_t>("PORT", 8080, 0, 65535);
  cfg.database = read_database(env, cfg.app_env == AppEnv::production);
  cfg.log_level = read_log_level(env, cfg.log_level);

  cfg.http_threads = env.number<unsigned>("HTTP_THREADS", cfg.http_threads, 1, 64);
  cfg.worker_threads = env.number<unsigned>("WORKER_THREADS", cfg.worker_threads, 1, 256);
  cfg.worker_queue = env.number<std::size_t>("WORKER_QUEUE_SIZE", cfg.worker_queue, 1, 1'000'000);
  cfg.db_pool_size = env.number<unsigned>("DB_POOL_SIZE", cfg.db_pool_size, 1, 512);
  cfg.db_pool_wait = std::chrono::milliseconds(
      env.number<long>("DB_POOL_WAIT_MS", cfg.db_pool_wait.count(), 1, 600'000));
  cfg.db_connect_timeout = std::chrono::seconds(
      env.number<long>("DB_CONNECT_TIMEOUT_S", cfg.db_connect_timeout.count(), 1, 600));
  cfg.db_read_timeout = std::chrono::seconds(
      env.number<long>("DB_READ_TIMEOUT_S", cfg.db_read_timeout.count(), 1, 3600));

  cfg.max_body_bytes =
      env.number<std::size_t>("HTTP_MAX_BODY_BYTES", cfg.max_body_bytes, 1024, 64UL * 1024 * 1024);
  cfg.header_timeout = std::chrono::milliseconds(
      env.number<long>("HTTP_HEADER_TIMEOUT_MS", cfg.header_timeout.count(), 100, 600'000));
  cfg.body_timeout = std::chrono::milliseconds(
      env.number<long>("HTTP_BODY_TIMEOUT_MS", cfg.body_timeout.count(), 100, 600'000));
  cfg.keepalive_timeout = std::chrono::seconds(
      env.number<long>("HTTP_KEEPALIVE_TIMEOUT_S", cfg.keepalive_timeout.count(), 1, 3600));
  cfg.shutdown_timeout = std::chrono::milliseconds(
      env.number<long>("SHUTDOWN_TIMEOUT_MS", cfg.shutdown_timeout.count(), 0, 600'000));
  cfg.shutdown_idle_grace = std::chrono::milliseconds(
      env.number<long>("SHUTDOWN_IDLE_GRACE_MS", cfg.shutdown_idle_grace.count(), 0, 600'000));

  cfg.migrations_dir = env.text("MIGRATIONS_DIR", cfg.migrations_dir);
  cfg.migrate_on_start = env.boolean("MIGRATE_ON_START", cfg.migrate_on_start);
  cfg.local_dir = env.text("LOCAL_DIR", cfg.local_dir);
  cfg.static_dir = env.text("STATIC_DIR", cfg.static_dir);
  cfg.web_dir = env.text("WEB_DIR", cfg.web_dir);
  cfg.sse_poll_interval = std::chrono::milliseconds(
      env.number<long>("SSE_POLL_INTERVAL_MS", cfg.sse_poll_interval.count(), 50, 60'000));
  cfg.sse_max_lifetime = std::chrono::seconds(
      env.number<long>("SSE_MAX_LIFETIME_S", cfg.sse_max_lifetime.count(), 1, 86'400));
  cfg.sse_max_streams =
      env.number<std::size_t>("SSE_MAX_STREAMS", cfg.sse_max_streams, 0, 1'000'000);
  cfg.cors_allowed_origins = read_cors_origins(env);
  return cfg;
}

}  // namespace tiket::core
