#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/database_url.hpp"
#include "core/env.hpp"

namespace tiket::core {

enum class AppEnv { development, test, production };

std::string_view to_string(AppEnv env);

// The settings of the process itself: server, database, logging. Each feature module reads its
// own (auth/settings.hpp, catalog/settings.hpp, booking/settings.hpp) with the same EnvReader;
// app/settings.hpp puts them together. The README lists each variable with its default.
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
  // Server-Sent Events (GET /api/bookings/{code}/events): one batched poll per interval for all
  // the streams of this replica, a lifetime after which the client reconnects, and a cap.
  std::chrono::milliseconds sse_poll_interval{500};
  std::chrono::seconds sse_max_lifetime{600};
  std::size_t sse_max_streams = 1000;

  std::string migrations_dir = "sql/migrations";
  bool migrate_on_start = true;

  // Where development keys and the private database live (scripts use the same variable).
  std::string local_dir = ".local";

  // The files behind /openapi.yaml and /docs. Empty: the `static` folder next to the executable,
  // where the build assembles them.
  std::string static_dir;
  std::string web_dir = "web/dist";  // WEB_DIR: the web app's build (vite build)
  // Browser origins allowed to call the API (CORS), as `scheme://host[:port]`, lower case.
  std::vector<std::string> cors_allowed_origins;
};

// Pure: the same environment always gives the same Config or the same ConfigError.
Config load_config(const Environment& env);

}  // namespace tiket::core
