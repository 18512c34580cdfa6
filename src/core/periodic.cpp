#include "core/periodic.hpp"

#include <exception>

#include "core/logging.hpp"

namespace tiket::core {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds interval,
                           std::function<void()> task)
    : name_(std::move(name)),
      interval_(interval),
      task_(std::move(task)),
      thread_([this] { run(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    try {
      task_();
    } catch (const std::exception& e) {
      // The database or the gateway may be down; the next tick tries again.
      log::warn("periodic task failed", {{"task", name_}, {"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace tiket::core
