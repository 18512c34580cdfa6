// The sold-out lane (ADR 0018) with real threads: every check is decided exactly once, the
// checks that arrive while a group is being decided form the next group together, a full line
// says no at once, and what waits at shutdown is still decided. Every wait is for a state, never
// for a length of time.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "booking/sold_out_lane.hpp"
#include "wait_for.hpp"

namespace {

using tiket::booking::SoldOutCheck;
using tiket::booking::SoldOutLane;

using tiket::test::wait_for;

// A decide() that records each group's users, answers user ids that are even with a short type
// (sold out) and odd ones with nullopt, and can be held inside a group until released.
struct Recorder {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool hold = false;
  int inside = 0;  // groups being decided right now
  std::vector<std::vector<std::int64_t>> groups;

  SoldOutLane::Decide decide() {
    return [this](std::vector<SoldOutCheck>& group) {
      std::unique_lock lock(mutex);
      ++inside;
      std::vector<std::int64_t> users;
      for (const auto& c : group) {
        users.push_back(c.user_id);
      }
      groups.push_back(users);
      released_cv.wait(lock, [this] { return !hold; });
      --inside;
      lock.unlock();
      for (auto& c : group) {
        c.done(c.user_id % 2 == 0 ? std::optional(c.short_type) : std::nullopt);
      }
    };
  }
  void release() {
    {
      const std::lock_guard lock(mutex);
      hold = false;
    }
    released_cv.notify_all();
  }
  int groups_inside() {
    const std::lock_guard lock(mutex);
    return inside;
  }
};

struct Answers {
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::optional<std::int64_t>>> got;
  std::size_t size() {
    const std::lock_guard lock(mutex);
    return got.size();
  }
};

SoldOutCheck check_for(std::int64_t user, Answers& answers) {
  SoldOutCheck c;
  c.user_id = user;
  c.key = "k-" + std::to_string(user);
  c.short_type = 100 + user;
  c.done = [&answers, user](std::optional<std::int64_t> short_type) {
    const std::lock_guard lock(answers.mutex);
    answers.got.emplace_back(user, short_type);
  };
  return c;
}

// Submits user 0's check and waits until the lane is inside its group (held there by `rec`):
// what is submitted next waits in line.
bool hold_the_lane(SoldOutLane& lane, Recorder& rec, Answers& answers) {
  auto first = check_for(0, answers);
  if (!lane.submit(first)) {
    return false;
  }
  wait_for([&] { return rec.groups_inside() == 1; });
  return rec.groups_inside() == 1;
}

TEST(SoldOutLane, ChecksArrivingDuringADecisionAreDecidedTogetherAndEachOnce) {
  Recorder rec;
  rec.hold = true;
  Answers answers;
  {
    SoldOutLane lane(100, 8, rec.decide());
    ASSERT_TRUE(hold_the_lane(lane, rec, answers));
    for (std::int64_t user = 1; user <= 11; ++user) {
      auto c = check_for(user, answers);
      ASSERT_TRUE(lane.submit(c));
    }
    rec.release();
    wait_for([&] { return answers.size() == 12; });
    EXPECT_EQ(lane.groups(), 3U);
  }
  ASSERT_EQ(rec.groups.size(), 3U);
  EXPECT_EQ(rec.groups[0], (std::vector<std::int64_t>{0}));
  // The eleven that waited: as many as a group takes, then the rest, in arrival order.
  EXPECT_EQ(rec.groups[1], (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(rec.groups[2], (std::vector<std::int64_t>{9, 10, 11}));
  ASSERT_EQ(answers.got.size(), 12U);
  std::sort(answers.got.begin(), answers.got.end());
  for (std::int64_t user = 0; user < 12; ++user) {
    const auto& [who, short_type] = answers.got[static_cast<std::size_t>(user)];
    EXPECT_EQ(who, user) << "each check is answered exactly once";
    EXPECT_EQ(short_type, user % 2 == 0 ? std::optional<std::int64_t>(100 + user) : std::nullopt);
  }
}

TEST(SoldOutLane, AFullLineSaysNoAtOnceAndLeavesTheCheckWithTheCaller) {
  Recorder rec;
  rec.hold = true;
  Answers answers;
  SoldOutLane lane(2, 8, rec.decide());
  ASSERT_TRUE(hold_the_lane(lane, rec, answers));
  auto a = check_for(1, answers);
  auto b = check_for(2, answers);
  auto c = check_for(3, answers);
  ASSERT_TRUE(lane.submit(a));
  ASSERT_TRUE(lane.submit(b));
  EXPECT_FALSE(lane.submit(c)) << "the line holds two and both places are taken";
  ASSERT_TRUE(c.done) << "a refused check stays with its caller, who answers it another way";
  rec.release();
  wait_for([&] { return answers.size() == 3; });
  EXPECT_EQ(answers.size(), 3U);
}

TEST(SoldOutLane, WhatWaitsAtShutdownIsStillDecided) {
  Recorder rec;
  rec.hold = true;
  Answers answers;
  Answers probes;
  auto lane = std::make_unique<SoldOutLane>(100000, 4, rec.decide());
  ASSERT_TRUE(hold_the_lane(*lane, rec, answers));
  for (std::int64_t user = 1; user <= 5; ++user) {
    auto c = check_for(user, answers);
    ASSERT_TRUE(lane->submit(c));
  }
  // The lane is destroyed while user 0's group is held and five checks wait. Its group is let
  // go only once the lane refuses new checks, that is once the destructor has begun.
  SoldOutLane* const raw = lane.get();
  std::size_t accepted = 0;
  std::thread releaser([&] {
    for (std::int64_t probe = 1000;; ++probe) {
      auto c = check_for(probe, probes);
      if (!raw->submit(c)) {
        break;
      }
      ++accepted;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    rec.release();
  });
  lane.reset();  // returns once the held group and everything that waited are decided
  releaser.join();
  EXPECT_EQ(answers.size(), 6U) << "every check that waited was decided before the lane ended";
  EXPECT_EQ(probes.size(), accepted);
}

}  // namespace
