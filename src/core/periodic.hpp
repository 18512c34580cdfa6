#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tiket::core {

// Runs `task` every `interval` on its own thread until destroyed; an exception is logged with
// `name` and the next tick tries again. A stand-in until the scheduler slice: every replica
// runs its tasks, which is safe only for tasks that are exactly-once per row by themselves
// (the booking expiry and the payment reconciliation are), merely redundant.
class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  PeriodicTask(PeriodicTask&&) = delete;
  PeriodicTask& operator=(PeriodicTask&&) = delete;

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace tiket::core
