#include "payment/breaker.hpp"

#include <gtest/gtest.h>

using tiket::payment::CircuitBreaker;
using State = CircuitBreaker::State;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  CircuitBreaker::Clock fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST(CircuitBreaker, OpensAfterNConsecutiveFailuresOnly) {
  FakeClock clock;
  CircuitBreaker b(3, 10s, clock.fn());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_failure();
  }
  ASSERT_TRUE(b.allow());
  b.record_success();  // the run of failures is broken
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_failure();
  }
  EXPECT_EQ(b.state(), State::closed);
  ASSERT_TRUE(b.allow());
  b.record_failure();
  EXPECT_EQ(b.state(), State::open);
  EXPECT_FALSE(b.allow());
  EXPECT_EQ(b.retry_after_seconds(), 10);
  EXPECT_EQ(b.times_opened(), 1U);
}

TEST(CircuitBreaker, LetsOneProbeThroughAfterTheCooldown) {
  FakeClock clock;
  CircuitBreaker b(1, 10s, clock.fn());
  ASSERT_TRUE(b.allow());
  b.record_failure();
  clock.now += 9s;
  EXPECT_FALSE(b.allow());
  EXPECT_EQ(b.retry_after_seconds(), 1);
  clock.now += 1s;
  EXPECT_TRUE(b.allow());  // the probe
  EXPECT_EQ(b.state(), State::half_open);
  EXPECT_FALSE(b.allow());  // only one at a time
  b.record_success();
  EXPECT_EQ(b.state(), State::closed);
  EXPECT_TRUE(b.allow());
}

TEST(CircuitBreaker, AFailedProbeOpensItForAnotherCooldown) {
  FakeClock clock;
  CircuitBreaker b(1, 10s, clock.fn());
  ASSERT_TRUE(b.allow());
  b.record_failure();
  clock.now += 10s;
  ASSERT_TRUE(b.allow());
  b.record_failure();
  EXPECT_EQ(b.state(), State::open);
  EXPECT_FALSE(b.allow());
  clock.now += 10s;
  EXPECT_TRUE(b.allow());
  EXPECT_EQ(b.times_opened(), 2U);
}
