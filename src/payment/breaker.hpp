#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace tiket::payment {

// A circuit breaker around one dependency (the gateway). Closed: calls go through and
// consecutive failures are counted. After `failures` in a row it opens: calls fail fast for
// `cooldown`. Then it is half-open: exactly one probe goes through; its success closes the
// breaker, its failure opens it for another cool-down. Thread-safe.
class CircuitBreaker {
 public:
  enum class State { closed = 0, open = 1, half_open = 2 };
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  CircuitBreaker(unsigned failures, std::chrono::milliseconds cooldown,
                 Clock clock = std::chrono::steady_clock::now);

  // Whether a call may go out now. In half-open, true for the single probe only. A caller that
  // got true must report the call's result with record_success() or record_failure().
  bool allow();
  void record_success();
  void record_failure();

  State state() const;
  // Whole seconds until a call may go out again (at least 1): the Retry-After of a fast failure.
  int retry_after_seconds() const;
  std::uint64_t times_opened() const;

 private:
  void open_locked();

  const unsigned threshold_;
  const std::chrono::milliseconds cooldown_;
  const Clock clock_;
  mutable std::mutex mutex_;
  State state_ = State::closed;
  unsigned consecutive_failures_ = 0;
  bool probe_in_flight_ = false;
  std::chrono::steady_clock::time_point open_until_{};
  std::uint64_t opened_ = 0;
};

}  // namespace tiket::payment
