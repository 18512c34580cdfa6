#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "core/database_url.hpp"

namespace tiket::core {

enum class AppEnv { development, test, production };

std::string_view to_string(AppEnv env);

// Every setting comes from the environment. The README lists each variable with its default.
struct Config {
  AppEnv app_env = AppEnv::development;
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  DatabaseUrl database;
  std::string log_level = "info";

  unsigned http_threads = 2;    // Pistache reactor threads
  unsigned worker_threads = 8;  // blocking work: DB, password hashing
  std::size_t worker_queue = 1024;
  unsigned db_pool_size = 8;
  std::chrono::milliseconds db_pool_wait{2000};
  std::chrono::seconds db_connect_timeout{3};
  // Below the HTTP header timeout, which in Pistache 0.0.5 also caps how long a handler may run
  // (ADR 0003): a slow query fails as a clean 5xx before Pistache cuts the connection.
  std::chrono::seconds db_read_timeout{5};

  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::seconds keepalive_timeout{75};
  std::chrono::milliseconds shutdown_timeout{15000};

  std::string migrations_dir = "sql/migrations";
  bool migrate_on_start = true;
};

// A bad value: the message is one line and names the variable.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Environment = std::map<std::string, std::string, std::less<>>;

Environment current_environment();

// Pure: the same environment always gives the same Config or the same error.
Config load_config(const Environment& env);

}  // namespace tiket::core
