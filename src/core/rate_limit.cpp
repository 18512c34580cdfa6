#include "core/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "core/errors.hpp"

namespace tiket::core {

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

// Floating-point refill is inexact: a client that waits exactly Retry-After seconds must get its
// token, so amounts within this of a whole token count as whole.
constexpr double kEpsilon = 1e-9;

struct Bucket {
  std::string key;
  double tokens;
  TimePoint updated;
};

}  // namespace

struct RateLimiter::Impl {
  BucketSpec spec;
  std::size_t max_keys;
  Clock clock;

  mutable std::mutex mutex;
  // Most recently used at the front. List nodes never move, so the index can point into them and
  // key its entries by a view of the node's own key.
  std::list<Bucket> buckets;
  std::unordered_map<std::string_view, std::list<Bucket>::iterator> index;

  // Brings the bucket's tokens up to `now`. A clock that goes backwards adds nothing.
  void refill(Bucket& bucket, TimePoint now) const {
    if (now <= bucket.updated) {
      return;
    }
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(spec.capacity, bucket.tokens + (elapsed * spec.refill_per_second));
    bucket.updated = now;
  }

  void erase(std::list<Bucket>::iterator it) {
    index.erase(it->key);
    buckets.erase(it);
  }

  // Called before a new key is added when the table is full. Full buckets go first: they carry no
  // state, since a new bucket starts full too. Then the least recently used. Evicting down to a
  // low-water mark rather than to max_keys - 1 keeps the O(n) sweep from running on every new key
  // during a flood of distinct keys (amortised O(8) per insert).
  void make_room(TimePoint now) {
    for (auto it = buckets.begin(); it != buckets.end();) {
      auto next = std::next(it);
      refill(*it, now);
      if (it->tokens + kEpsilon >= spec.capacity) {
        erase(it);
      }
      it = next;
    }
    const std::size_t low_water = max_keys - 1 - (max_keys / 8);
    while (index.size() > low_water) {
      erase(std::prev(buckets.end()));
    }
  }

  std::optional<int> take(std::string_view key) {
    const std::lock_guard lock(mutex);
    // Read under the lock so that every bucket sees time move forward, whatever the clock.
    const TimePoint now = clock();
    std::list<Bucket>::iterator bucket;
    if (const auto found = index.find(key); found != index.end()) {
      bucket = found->second;
      refill(*bucket, now);
      buckets.splice(buckets.begin(), buckets, bucket);
    } else {
      if (index.size() >= max_keys) {
        make_room(now);
      }
      buckets.push_front(Bucket{std::string(key), spec.capacity, now});
      bucket = buckets.begin();
      index.emplace(bucket->key, bucket);
    }
    if (bucket->tokens + kEpsilon >= 1.0) {
      bucket->tokens = std::max(0.0, bucket->tokens - 1.0);
      return std::nullopt;
    }
    // Aim half an epsilon short of a whole token, so that the answer is never one second too
    // long through rounding noise, and a client waiting that long still passes the check above.
    const double seconds = (1.0 - (kEpsilon / 2) - bucket->tokens) / spec.refill_per_second;
    const double rounded = std::ceil(seconds);
    if (rounded >= static_cast<double>(std::numeric_limits<int>::max())) {
      return std::numeric_limits<int>::max();
    }
    return std::max(1, static_cast<int>(rounded));
  }
};

RateLimiter::RateLimiter(BucketSpec spec, std::size_t max_keys, Clock clock)
    : impl_(std::make_unique<Impl>()) {
  // Negated comparisons also reject NaN.
  if (!(spec.capacity >= 1.0)) {
    throw std::invalid_argument("RateLimiter: capacity must be at least 1");
  }
  if (!(spec.refill_per_second > 0.0) || !std::isfinite(spec.refill_per_second)) {
    throw std::invalid_argument("RateLimiter: refill_per_second must be positive");
  }
  if (max_keys == 0) {
    throw std::invalid_argument("RateLimiter: max_keys must be at least 1");
  }
  if (!clock) {
    throw std::invalid_argument("RateLimiter: clock is empty");
  }
  impl_->spec = spec;
  impl_->max_keys = max_keys;
  impl_->clock = std::move(clock);
}

RateLimiter::~RateLimiter() = default;

std::optional<int> RateLimiter::take(std::string_view key) {
  return impl_->take(key);
}

std::size_t RateLimiter::size() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->index.size();
}

namespace {
AppError too_many_requests(int retry_after) {
  return AppError::too_many_requests(
      "Too many attempts; retry after " + std::to_string(retry_after) + " seconds.", retry_after);
}
}  // namespace

void enforce(RateLimiter& limiter, std::string_view key) {
  if (const auto retry_after = limiter.take(key)) {
    throw too_many_requests(*retry_after);
  }
}

}  // namespace tiket::core
