#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/metrics.hpp"
#include "http/router.hpp"
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

  // Graceful shutdown, step 1: /readyz turns 503 and new requests are refused with 503.
  void begin_drain();
  bool draining() const;
  // Step 2: wait (bounded) until every accepted request has been answered.
  bool wait_idle(std::chrono::milliseconds timeout) const;
  // Step 3: close the listener and every connection.
  void stop();

  struct State;  // defined in server.cpp; shared with the dispatcher clones

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  ServerOptions options_;
};

}  // namespace tiket::http
