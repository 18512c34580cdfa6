#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::core {

struct BucketSpec {
  double capacity = 10;            // burst size
  double refill_per_second = 0.2;  // sustained rate
};

// Token buckets keyed by a string ("ip:203.0.113.9", "account:a@b.c"). In memory, per instance
// (ADR: a multi-instance deployment needs a shared store). Thread-safe; memory is bounded by
// evicting buckets that have refilled completely (they carry no state) and, past `max_keys`,
// the least recently used.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit RateLimiter(
      BucketSpec spec, std::size_t max_keys = 100'000,
      Clock clock = [] { return std::chrono::steady_clock::now(); });
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;

  // Takes one token for `key`. nullopt when allowed; otherwise the whole number of seconds
  // (at least 1) until a token will be available, for Retry-After.
  std::optional<int> take(std::string_view key);

  // Number of keys currently tracked.
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Takes a token for `key`; when the bucket is empty, throws a 429 problem with Retry-After.
void enforce(RateLimiter& limiter, std::string_view key);

}  // namespace tiket::core
