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

// A token bucket: `burst` requests at once, refilled at burst / period.
struct RateSpec {
  unsigned burst = 10;
  unsigned period_seconds = 60;
};

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
  std::chrono::milliseconds shutdown_idle_grace{1000};  // then idle keep-alive connections close

  std::string migrations_dir = "sql/migrations";
  bool migrate_on_start = true;

  // Where development keys and the private database live (scripts use the same variable).
  std::string local_dir = ".local";

  // Auth. In development and test, empty key settings mean "generate under LOCAL_DIR/keys".
  std::string jwt_private_key_file;
  std::string jwt_issuer = "tiket";
  std::string jwt_audience = "tiket-api";
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 30)};
  std::string login_code_secret;
  unsigned hash_concurrency = 2;
  std::string common_passwords_file = "data/common-passwords.txt";
  std::string trusted_proxies;

  std::string mailer = "outbox";  // outbox | smtp
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_username;
  std::string smtp_password;
  bool smtp_require_tls = false;

  RateSpec rate_login_ip{20, 60};
  RateSpec rate_login_account{10, 300};
  RateSpec rate_code_ip{10, 300};
  RateSpec rate_code_account{3, 300};
  RateSpec rate_verify_ip{20, 60};
  RateSpec rate_verify_account{10, 300};
  RateSpec rate_register_ip{10, 3600};
  RateSpec rate_users_create{30, 60};

  // Catalog and bookings
  std::chrono::milliseconds catalog_cache_ttl{2000};  // 0 turns the read cache off
  std::chrono::minutes booking_hold{15};
  std::string business_tz = "Asia/Jakarta";  // the day in booking codes
  std::chrono::seconds booking_expiry_interval{30};
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
