// The sold-out shortcut's estimate (ADR 0018), on a fake clock: it only ever says no, only for
// a reading younger than its bound, and never in place of the database's own answer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "booking/service.hpp"
#include "booking/stock_estimate.hpp"

namespace {

using std::chrono::milliseconds;
using tiket::booking::BookingRequest;
using tiket::booking::StockEstimate;
using tiket::booking::StockReading;

constexpr std::int64_t kConcert = 7;
const StockEstimate::Clock::time_point kT0{};

StockReading reading(std::int64_t type, std::int64_t available,
                     std::optional<std::int64_t> limit = std::nullopt, bool open = true) {
  return {type, kConcert, available, limit, open};
}

BookingRequest request(std::vector<std::pair<std::int64_t, std::int64_t>> items,
                       std::int64_t concert = kConcert) {
  BookingRequest r;
  r.concert_id = concert;
  for (const auto& [type, quantity] : items) {
    r.items.push_back({type, quantity});
  }
  return r;
}

TEST(StockEstimate, SaysNoOnlyWhenAReadingShowsFewerSeatsThanAsked) {
  StockEstimate estimate(milliseconds(1000));
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0).short_type);  // nothing known: ask the DB
  estimate.learn({reading(1, 0), reading(2, 3)}, kT0);
  EXPECT_EQ(estimate.check(request({{1, 1}}), kT0 + milliseconds(10)).short_type, 1);
  EXPECT_FALSE(estimate.check(request({{2, 3}}), kT0 + milliseconds(10)).short_type);
  EXPECT_EQ(estimate.check(request({{2, 4}}), kT0 + milliseconds(10)).short_type, 2);
  EXPECT_EQ(estimate.check(request({{2, 1}, {1, 1}}), kT0 + milliseconds(10)).short_type, 1);
}

TEST(StockEstimate, AReadingCountsForItsBoundOnly) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 0)}, kT0);
  EXPECT_TRUE(estimate.check(request({{1, 1}}), kT0 + milliseconds(999)).short_type);
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0 + milliseconds(1000)).short_type);
}

TEST(StockEstimate, LeavesOtherConcertsClosedConcertsAndLimitsToTheDatabase) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 0, 2), reading(3, 0, std::nullopt, /*open=*/false)}, kT0);
  const auto now = kT0 + milliseconds(1);
  EXPECT_FALSE(estimate.check(request({{1, 1}}, kConcert + 1), now).short_type);  // not its type
  EXPECT_FALSE(estimate.check(request({{1, 3}}), now).short_type);  // over the per-user limit
  EXPECT_TRUE(estimate.check(request({{1, 2}}), now).short_type);
  EXPECT_FALSE(estimate.check(request({{3, 1}}), now).short_type);  // cancelled or started
  EXPECT_EQ(estimate.size(), 1U);
}

TEST(StockEstimate, ForgettingAConcertDropsItsReadings) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 0), reading(2, 0)}, kT0);
  estimate.forget_concert(kConcert);
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0 + milliseconds(1)).short_type);
  EXPECT_EQ(estimate.size(), 0U);
}

TEST(StockEstimate, AnOlderReadingNeverReplacesANewerOne) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 5)}, kT0 + milliseconds(100));
  estimate.learn({reading(1, 0)}, kT0);  // started earlier, finished later
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0 + milliseconds(150)).short_type);
}

TEST(StockEstimate, OneCallerAtATimeRefreshesAnAgingReading) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 0)}, kT0);
  EXPECT_TRUE(estimate.check(request({{1, 1}}), kT0 + milliseconds(400)).refresh.empty());
  const auto first = estimate.check(request({{1, 1}}), kT0 + milliseconds(600));
  EXPECT_EQ(first.refresh, std::vector<std::int64_t>{1});
  EXPECT_TRUE(first.short_type);  // the reading still counts while it is refreshed
  EXPECT_TRUE(estimate.check(request({{1, 1}}), kT0 + milliseconds(700)).refresh.empty());
  estimate.unclaim({1});  // the refresh failed: the next caller tries
  EXPECT_EQ(estimate.check(request({{1, 1}}), kT0 + milliseconds(700)).refresh.size(), 1U);
  estimate.learn({reading(1, 2)}, kT0 + milliseconds(700));
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0 + milliseconds(710)).short_type);
}

TEST(StockEstimate, ZeroBoundIsOff) {
  StockEstimate estimate(milliseconds(0));
  estimate.learn({reading(1, 0)}, kT0);
  EXPECT_FALSE(estimate.enabled());
  EXPECT_FALSE(estimate.check(request({{1, 1}}), kT0).short_type);
}

TEST(StockEstimate, ConcurrentReadersAndWritersAgree) {
  StockEstimate estimate(milliseconds(1000));
  estimate.learn({reading(1, 0)}, kT0);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (t == 0) {
          estimate.learn({reading(1, 0)}, kT0);
        } else if (estimate.check(request({{1, 1}}), kT0 + milliseconds(1)).short_type) {
          refused.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  // Every check refuses while the entry is rewritten beside it.
  EXPECT_EQ(refused.load(), 3 * 2000);
  EXPECT_EQ(estimate.size(), 1U);
}

}  // namespace
