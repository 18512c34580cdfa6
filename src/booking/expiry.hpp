#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "booking/service.hpp"

namespace tiket::booking {

// Runs BookingService::expire_overdue() every `interval` on its own thread until destroyed.
// A stand-in until the scheduler slice: every replica runs it, which is safe because the
// expiry is exactly-once per booking (a conditional status change in the same transaction as
// the stock return), merely redundant.
class ExpiryTimer {
 public:
  ExpiryTimer(BookingService& service, std::chrono::seconds interval);
  ~ExpiryTimer();
  ExpiryTimer(const ExpiryTimer&) = delete;
  ExpiryTimer& operator=(const ExpiryTimer&) = delete;
  ExpiryTimer(ExpiryTimer&&) = delete;
  ExpiryTimer& operator=(ExpiryTimer&&) = delete;

 private:
  void run();

  BookingService& service_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tiket::booking
