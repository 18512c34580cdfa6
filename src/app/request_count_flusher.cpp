#include "app/request_count_flusher.hpp"

#include <exception>
#include <vector>

#include "core/logging.hpp"

namespace tiket::app {

RequestCountFlusher::RequestCountFlusher(std::shared_ptr<http::RequestCounter> counter,
                                         reporting::ReportingService& reports,
                                         std::chrono::seconds interval)
    : counter_(std::move(counter)), reports_(reports), interval_(interval) {}

RequestCountFlusher::~RequestCountFlusher() {
  try {
    stop();
  } catch (...) {
    // Logged in stop(); nothing else to do while the process ends.
  }
}

void RequestCountFlusher::start() {
  const std::lock_guard lock(mutex_);
  if (!thread_.joinable() && !stopping_) {
    thread_ = std::thread([this] { loop(); });
  }
}

void RequestCountFlusher::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    stopping_ = true;
    stopped_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  try {
    flush();
  } catch (const std::exception& e) {
    core::log::warn("request counts lost at shutdown", {{"error", e.what()}});
  }
}

std::size_t RequestCountFlusher::flush() {
  const std::lock_guard lock(flush_mutex_);
  const auto cells = counter_->take();
  std::vector<reporting::RequestCount> counts;
  counts.reserve(cells.size());
  for (const auto& c : cells) {
    counts.push_back({c.hour_epoch, c.user_id, c.requests});
  }
  try {
    return reports_.flush_request_counts(counts);
  } catch (...) {
    counter_->give_back(cells);
    throw;
  }
}

void RequestCountFlusher::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      break;
    }
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& e) {
      core::log::warn("request counts not flushed; kept for the next try", {{"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace tiket::app
