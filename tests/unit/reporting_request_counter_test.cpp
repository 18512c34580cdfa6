#include <gtest/gtest.h>

#include <latch>
#include <thread>
#include <vector>

#include "http/request_counter.hpp"

using tiket::http::RequestCounter;

namespace {
std::chrono::system_clock::time_point at(std::int64_t epoch_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds));
}
}  // namespace

TEST(RequestCounter, CountsPerUtcHourAndUserWithAnonymousAsZero) {
  RequestCounter counter;
  const std::int64_t hour = 1'780'000'000 - 1'780'000'000 % 3600;
  counter.count(7, at(hour));
  counter.count(7, at(hour + 3599));
  counter.count(std::nullopt, at(hour + 10));
  counter.count(7, at(hour + 3600));
  const auto cells = counter.take();
  ASSERT_EQ(cells.size(), 3U);
  EXPECT_EQ(cells[0].hour_epoch, hour);
  EXPECT_EQ(cells[0].user_id, 0);
  EXPECT_EQ(cells[0].requests, 1);
  EXPECT_EQ(cells[1].user_id, 7);
  EXPECT_EQ(cells[1].requests, 2);
  EXPECT_EQ(cells[2].hour_epoch, hour + 3600);
  EXPECT_EQ(cells[2].requests, 1);
  EXPECT_TRUE(counter.take().empty()) << "take() empties the counter";
}

TEST(RequestCounter, GiveBackAddsToWhatWasCountedMeanwhile) {
  RequestCounter counter;
  counter.count(1, at(7200));
  const auto taken = counter.take();
  counter.count(1, at(7201));
  counter.give_back(taken);
  const auto cells = counter.take();
  ASSERT_EQ(cells.size(), 1U);
  EXPECT_EQ(cells[0].requests, 2);
}

TEST(RequestCounter, DropsNewCellsBeyondItsBoundAndSaysHowMany) {
  RequestCounter counter(2);
  counter.count(1, at(0));
  counter.count(2, at(0));
  counter.count(3, at(0));
  counter.count(1, at(0));
  EXPECT_EQ(counter.cells(), 2U);
  EXPECT_EQ(counter.dropped(), 1U);
}

TEST(RequestCounter, LosesNoCountUnderConcurrentRequestsAndTakes) {
  RequestCounter counter;
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  std::latch go(kThreads + 1);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        counter.count(t % 2, at(3600));
      }
    });
  }
  std::int64_t total = 0;
  go.arrive_and_wait();
  for (int i = 0; i < 50; ++i) {
    for (const auto& c : counter.take()) {
      total += c.requests;
    }
  }
  for (auto& th : threads) {
    th.join();
  }
  for (const auto& c : counter.take()) {
    total += c.requests;
  }
  EXPECT_EQ(total, std::int64_t{kThreads} * kEach);
}
