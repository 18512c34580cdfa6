#include "booking/expiry.hpp"

#include <exception>

#include "core/logging.hpp"

namespace tiket::booking {

ExpiryTimer::ExpiryTimer(BookingService& service, std::chrono::seconds interval)
    : service_(service), interval_(interval), thread_([this] { run(); }) {}

ExpiryTimer::~ExpiryTimer() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ExpiryTimer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    try {
      if (const auto n = service_.expire_overdue(); n > 0) {
        core::log::info("expired overdue bookings", {{"count", n}});
      }
    } catch (const std::exception& e) {
      // The database may be down; the next tick tries again.
      core::log::warn("booking expiry failed", {{"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace tiket::booking
