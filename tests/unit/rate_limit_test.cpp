#include "core/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using tiket::core::BucketSpec;
using tiket::core::RateLimiter;

namespace {

using namespace std::chrono_literals;

// A clock that moves only when the test says so.
class FakeClock {
 public:
  RateLimiter::Clock function() const {
    return [now = now_] { return *now; };
  }
  void advance(std::chrono::steady_clock::duration d) { *now_ += d; }

 private:
  std::shared_ptr<std::chrono::steady_clock::time_point> now_ =
      std::make_shared<std::chrono::steady_clock::time_point>(
          std::chrono::steady_clock::time_point{} + 1h);
};

int granted(RateLimiter& limiter, std::string_view key, int attempts) {
  int count = 0;
  for (int i = 0; i < attempts; ++i) {
    if (!limiter.take(key)) {
      ++count;
    }
  }
  return count;
}

}  // namespace

TEST(RateLimiter, AllowsBurstUpToCapacityThenRefusesWithRetryAfterFromRefillRate) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 10, .refill_per_second = 0.2}, 100, clock.function());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(limiter.take("ip:203.0.113.9"), std::nullopt) << "take " << i;
  }
  // One token every 5 seconds.
  EXPECT_EQ(limiter.take("ip:203.0.113.9"), 5);
  EXPECT_EQ(limiter.take("ip:203.0.113.9"), 5);
}

TEST(RateLimiter, RetryAfterIsTimeUntilTheNextWholeToken) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 1, .refill_per_second = 0.1}, 100, clock.function());
  EXPECT_EQ(limiter.take("k"), std::nullopt);
  EXPECT_EQ(limiter.take("k"), 10);
  clock.advance(4s);  // 0.4 tokens: 6 seconds to go
  EXPECT_EQ(limiter.take("k"), 6);
  clock.advance(5500ms);  // 0.95 tokens: 0.5 s, rounded up
  EXPECT_EQ(limiter.take("k"), 1);
}

TEST(RateLimiter, RetryAfterIsAtLeastOneSecond) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refill_per_second = 100}, 100, clock.function());
  EXPECT_EQ(granted(limiter, "k", 2), 2);
  EXPECT_EQ(limiter.take("k"), 1);
}

TEST(RateLimiter, RefillsOverTime) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 3, .refill_per_second = 0.5}, 100, clock.function());
  EXPECT_EQ(granted(limiter, "k", 3), 3);
  EXPECT_EQ(limiter.take("k"), 2);
  clock.advance(1900ms);  // 0.95 tokens
  EXPECT_EQ(limiter.take("k"), 1);
  clock.advance(100ms);  // 1 token
  EXPECT_EQ(limiter.take("k"), std::nullopt);
  EXPECT_NE(limiter.take("k"), std::nullopt);
}

TEST(RateLimiter, RefillStopsAtCapacity) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 3, .refill_per_second = 1}, 100, clock.function());
  EXPECT_EQ(granted(limiter, "k", 3), 3);
  clock.advance(24h);
  EXPECT_EQ(granted(limiter, "k", 10), 3);
}

TEST(RateLimiter, KeysAreIndependent) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refill_per_second = 0.01}, 100, clock.function());
  EXPECT_EQ(granted(limiter, "ip:198.51.100.1", 5), 2);
  EXPECT_EQ(granted(limiter, "ip:198.51.100.2", 5), 2);
  EXPECT_EQ(granted(limiter, "account:a@example.com", 5), 2);
  EXPECT_EQ(limiter.size(), 3U);
}

TEST(RateLimiter, EvictionBoundsSize) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 5, .refill_per_second = 0.01}, 4, clock.function());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.take("ip:10.0.0." + std::to_string(i)), std::nullopt);
    EXPECT_LE(limiter.size(), 4U);
  }
  EXPECT_GE(limiter.size(), 1U);
}

TEST(RateLimiter, EvictsFullBucketsBeforeDrainedOnes) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refill_per_second = 1}, 3, clock.function());
  EXPECT_EQ(granted(limiter, "drained", 2), 2);  // least recently used, 0 tokens
  EXPECT_EQ(limiter.take("b"), std::nullopt);
  EXPECT_EQ(limiter.take("c"), std::nullopt);
  clock.advance(1s);  // "b" and "c" are full again; "drained" has 1 token
  EXPECT_EQ(limiter.take("d"), std::nullopt);
  EXPECT_LE(limiter.size(), 3U);
  // Had "drained" been evicted it would start again with 2 tokens.
  EXPECT_EQ(granted(limiter, "drained", 2), 1);
}

TEST(RateLimiter, EvictsLeastRecentlyUsedWhenNoBucketIsFull) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refill_per_second = 0.001}, 2, clock.function());
  EXPECT_EQ(limiter.take("a"), std::nullopt);
  EXPECT_EQ(limiter.take("b"), std::nullopt);
  EXPECT_EQ(limiter.take("a"), std::nullopt);  // "a" is now the most recently used, 0 tokens
  EXPECT_EQ(limiter.take("c"), std::nullopt);  // evicts "b"
  EXPECT_EQ(limiter.size(), 2U);
  EXPECT_NE(limiter.take("a"), std::nullopt);  // kept, still empty
  // "b" comes back with a full bucket (it had 1 token left before it was evicted).
  EXPECT_EQ(granted(limiter, "b", 3), 2);
}

TEST(RateLimiter, ConcurrentTakesOnOneKeyNeverGrantMoreThanCapacity) {
  FakeClock clock;  // frozen: no refill during the test
  RateLimiter limiter({.capacity = 100, .refill_per_second = 1}, 100, clock.function());
  constexpr int kThreads = 8;
  constexpr int kAttemptsPerThread = 50;
  std::atomic<int> total{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      total += granted(limiter, "account:target@example.com", kAttemptsPerThread);
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(total.load(), 100);
  EXPECT_EQ(limiter.size(), 1U);
}

TEST(RateLimiter, RejectsSpecsThatCannotWork) {
  EXPECT_THROW(RateLimiter({.capacity = 0.5, .refill_per_second = 1}), std::invalid_argument);
  EXPECT_THROW(RateLimiter({.capacity = 1, .refill_per_second = 0}), std::invalid_argument);
  EXPECT_THROW(RateLimiter({.capacity = 1, .refill_per_second = 1}, 0), std::invalid_argument);
}
