#include "booking/sold_out_lane.hpp"

#include <algorithm>
#include <utility>

namespace tiket::booking {

SoldOutLane::SoldOutLane(std::size_t max_waiting, std::size_t max_group, Decide decide)
    : max_waiting_(max_waiting),
      max_group_(std::max<std::size_t>(max_group, 1)),
      decide_(std::move(decide)),
      thread_([this] { run(); }) {}

SoldOutLane::~SoldOutLane() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  thread_.join();
}

bool SoldOutLane::submit(SoldOutCheck& check) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || waiting_.size() >= max_waiting_) {
      return false;
    }
    waiting_.push_back(std::move(check));
  }
  ready_.notify_one();
  return true;
}

std::uint64_t SoldOutLane::groups() const {
  const std::lock_guard lock(mutex_);
  return groups_;
}

void SoldOutLane::run() {
  for (;;) {
    std::vector<SoldOutCheck> group;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) {
        return;  // stopping, and nothing left to decide
      }
      const auto n = std::min(waiting_.size(), max_group_);
      group.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        group.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
      }
    }
    decide_(group);
    const std::lock_guard lock(mutex_);
    ++groups_;
  }
}

}  // namespace tiket::booking
