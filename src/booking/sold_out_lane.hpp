#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tiket::booking {

// A booking request the stock estimate already refuses, waiting for the one check left before
// its 409: that its Idempotency-Key has no saved answer to replay (ADR 0018).
struct SoldOutCheck {
  std::int64_t user_id = 0;
  std::string key;
  std::int64_t short_type = 0;        // the type the estimate says is short
  std::vector<std::int64_t> refresh;  // estimate readings this request claimed to refresh
  // Called exactly once, on the lane's thread: the short type (answer sold out), or nullopt
  // (book the usual way: there is a saved answer, or the check could not be made).
  std::function<void(std::optional<std::int64_t>)> done;
};

// The sold-out lane: one thread that takes every check waiting (up to `max_group`) and decides
// them together with `decide`, so a burst of sold-out answers costs one database read per group
// instead of one per request, and no worker thread waits on any of them. `decide` must call
// each check's `done` exactly once and must not throw. At most `max_waiting` checks wait;
// submit() says no beyond that and the caller takes the usual path. Thread-safe.
class SoldOutLane {
 public:
  using Decide = std::function<void(std::vector<SoldOutCheck>&)>;

  SoldOutLane(std::size_t max_waiting, std::size_t max_group, Decide decide);
  // Decides what is still waiting, then joins the thread.
  ~SoldOutLane();
  SoldOutLane(const SoldOutLane&) = delete;
  SoldOutLane& operator=(const SoldOutLane&) = delete;
  SoldOutLane(SoldOutLane&&) = delete;
  SoldOutLane& operator=(SoldOutLane&&) = delete;

  // False (and `check` untouched) when the line is full.
  bool submit(SoldOutCheck& check);

  std::uint64_t groups() const;  // groups decided so far

 private:
  void run();

  std::size_t max_waiting_;
  std::size_t max_group_;
  Decide decide_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<SoldOutCheck> waiting_;
  std::uint64_t groups_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace tiket::booking
