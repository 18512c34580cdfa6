#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/request_counter.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "http/worker_pool.hpp"

namespace Pistache::Http {
class Endpoint;
}  // namespace Pistache::Http

namespace tiket::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0 picks a free port (tests)
  unsigned threads = 2;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::seconds keepalive_timeout{75};
  // After SIGTERM, a keep-alive connection that sends no request for this long is closed
  // (ADR 0012). Connections that do send one are closed right after its answer.
  std::chrono::milliseconds drain_idle_grace{1000};
  // Browser origins answered with CORS headers; empty: none (CORS_ALLOWED_ORIGINS).
  CorsPolicy cors;
  // When set, every answered /api/ request is counted here per (hour, user) for the
  // requests-per-hour report; the probes, /metrics and the docs are not.
  std::shared_ptr<RequestCounter> request_counter;
  // The web app's build (WEB_DIR): GET/HEAD paths no route matches are served from it
  // (serve_web_app). Null or empty: they stay 404.
  std::shared_ptr<const StaticFiles> web_app;
  // Server-Sent Events routes (Router::add_stream): polling, keep-alive, lifetime, the cap.
  StreamOptions streams;
};

// Shared between the dispatcher clones (one per reactor thread), the workers and main.
struct Lifecycle {
  std::atomic<bool> draining{false};
  // Accepted and not yet handed to Pistache for writing.
  std::atomic<std::int64_t> in_flight{0};
  // Handed to Pistache, write not yet confirmed. Pistache 0.0.5 drops the queued writes of a
  // connection that closes without settling their promises, so this can stay above zero for
  // dead connections; shutdown waits for it only briefly.
  std::atomic<std::int64_t> unsettled_writes{0};
};

// The Pistache endpoint plus our dispatcher. Owns nothing it is given by reference.
class Server {
 public:
  Server(ServerOptions options, Router router, WorkerPool& workers, Metrics& metrics,
         std::shared_ptr<Lifecycle> lifecycle);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) = delete;
  Server& operator=(Server&&) = delete;

  void start();
  std::uint16_t port() const;

  // Graceful shutdown (ADR 0012), step 1: new connections are refused, /readyz turns 503 and
  // every response says Connection: close.
  void begin_drain();
  bool draining() const;
  // Step 2: wait (bounded) until every accepted request has been answered and every connection
  // has been shut down in order: after its last answer, or after drain_idle_grace when idle,
  // never while a request on it is unanswered or partly read. Then give clients up to a second
  // to close their side. False when the timeout cut the drain short.
  bool wait_drained(std::chrono::milliseconds timeout);
  // Step 3: stop Pistache; what is still open is closed with the process.
  void stop();

  // Event streams open (or opening) on this server, for the metrics.
  std::size_t open_streams() const;

  struct State;  // defined in server.cpp; shared with the dispatcher clones

 private:
  std::shared_ptr<State> state_;
  struct DrainRound {
    int open = 0;     // connections not shut down yet
    int closing = 0;  // shut down on our side, waiting for the client to close
  };
  void stop_accepting();
  std::optional<DrainRound> sweep_connections(std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  ServerOptions options_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;  // Pistache's listening socket, found after start (ADR 0012)
};

}  // namespace tiket::http
