#include "core/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

using std::chrono::milliseconds;
using tiket::core::backoff_delay;
using tiket::core::BackoffPolicy;

TEST(Backoff, StaysWithinHalfToFullCeiling) {
  const BackoffPolicy policy{milliseconds(10), milliseconds(1000)};
  for (unsigned attempt = 0; attempt < 6; ++attempt) {
    const long ceiling = std::min(1000L, 10L << attempt);
    for (std::uint64_t r : {0ULL, 1ULL, 7ULL, 12345ULL, ~0ULL}) {
      const auto d = backoff_delay(attempt, policy, r).count();
      EXPECT_GE(d, ceiling / 2) << "attempt " << attempt;
      EXPECT_LE(d, ceiling) << "attempt " << attempt;
    }
  }
}

TEST(Backoff, GrowsThenIsCappedAndNeverOverflows) {
  const BackoffPolicy policy{milliseconds(10), milliseconds(200)};
  EXPECT_LE(backoff_delay(0, policy, ~0ULL).count(), 10);
  EXPECT_GE(backoff_delay(3, policy, 0).count(), 40);
  EXPECT_LE(backoff_delay(100, policy, ~0ULL).count(), 200);
  EXPECT_GE(backoff_delay(100, policy, 0).count(), 100);
}

TEST(Backoff, JitterSpreadsDelays) {
  const BackoffPolicy policy{milliseconds(100), milliseconds(1000)};
  std::set<long> seen;
  for (int i = 0; i < 50; ++i) {
    seen.insert(backoff_delay(2, policy, tiket::core::fast_random()).count());
  }
  EXPECT_GT(seen.size(), 10U);
}
