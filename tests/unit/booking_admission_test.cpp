// Bounded admission (ADR 0018) with real threads: never more than K holders, waiters admitted
// strictly in arrival order, and a full line turns the caller away at once. Every wait is for
// a state the gate reports, never for a length of time.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "booking/admission.hpp"
#include "wait_for.hpp"

namespace {

using tiket::booking::AdmissionGate;

using tiket::test::wait_for;

TEST(AdmissionGate, AdmitsAtOnceUpToTheBoundAndCountsTheHolders) {
  AdmissionGate gate(2, 4);
  auto a = gate.enter();
  auto b = gate.enter();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(gate.in_flight(), 2U);
  EXPECT_EQ(gate.waiting(), 0U);
  a.reset();
  EXPECT_EQ(gate.in_flight(), 1U);
  b.reset();
  EXPECT_EQ(gate.in_flight(), 0U);
}

TEST(AdmissionGate, WaitersAreAdmittedInArrivalOrder) {
  constexpr int kWaiters = 6;
  AdmissionGate gate(1, kWaiters);
  auto held = gate.enter();
  ASSERT_TRUE(held);
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      const auto permit = gate.enter();
      ASSERT_TRUE(permit);
      const std::lock_guard lock(order_mutex);
      order.push_back(i);
    });
    // The next thread starts only once this one is in line: the arrival order is 0, 1, 2...
    wait_for([&] { return gate.waiting() == static_cast<std::size_t>(i + 1); });
    ASSERT_EQ(gate.waiting(), static_cast<std::size_t>(i + 1));
  }
  EXPECT_EQ(gate.in_flight(), 1U);
  EXPECT_TRUE(order.empty()) << "a waiter ran while the only slot was held";
  held.reset();  // each waiter hands the slot to the next as its permit ends
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(gate.in_flight(), 0U);
  EXPECT_EQ(gate.waiting(), 0U);
}

TEST(AdmissionGate, AFullLineTurnsTheCallerAwayAtOnce) {
  AdmissionGate gate(1, 1);
  auto held = gate.enter();
  std::thread waiter([&] { EXPECT_TRUE(gate.enter()); });
  wait_for([&] { return gate.waiting() == 1; });
  ASSERT_EQ(gate.waiting(), 1U);
  EXPECT_FALSE(gate.enter()) << "the line holds one and it is taken";
  held.reset();
  waiter.join();
  EXPECT_EQ(gate.in_flight(), 0U);
  EXPECT_TRUE(gate.enter()) << "a free slot admits again";
}

TEST(AdmissionGate, NoLineMeansTurnedAwayWhileTheSlotsAreTaken) {
  AdmissionGate gate(1, 0);
  auto held = gate.enter();
  EXPECT_FALSE(gate.enter());
  held.reset();
  EXPECT_TRUE(gate.enter());
}

TEST(AdmissionGate, ZeroMeansNoBound) {
  AdmissionGate gate(0, 0);
  std::vector<AdmissionGate::Permit> permits;
  for (int i = 0; i < 100; ++i) {
    auto p = gate.enter();
    ASSERT_TRUE(p);
    permits.push_back(std::move(*p));
  }
  EXPECT_EQ(gate.in_flight(), 100U);
  permits.clear();
  EXPECT_EQ(gate.in_flight(), 0U);
}

TEST(AdmissionGate, ManyThreadsNeverHoldMoreThanTheBound) {
  constexpr std::size_t kBound = 3;
  constexpr int kThreads = 16;
  constexpr int kRounds = 300;
  AdmissionGate gate(kBound, kThreads);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        const auto permit = gate.enter();
        ASSERT_TRUE(permit) << "the line has room for every thread";
        const int now = inside.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        inside.fetch_sub(1);
        admitted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(admitted.load(), kThreads * kRounds);
  EXPECT_LE(most.load(), static_cast<int>(kBound));
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(gate.in_flight(), 0U);
}

}  // namespace
