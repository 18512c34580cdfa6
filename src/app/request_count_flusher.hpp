#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>

#include "http/request_counter.hpp"
#include "reporting/service.hpp"

namespace tiket::app {

// Moves this replica's request counts (http::RequestCounter) into request_counts. Each replica
// counts its own requests, so each must flush its own: a job under the once-across-replicas
// lease would flush only the lease holder's. So every replica runs this timer (every
// REQUEST_COUNTS_FLUSH_INTERVAL_S, and once more at shutdown), and the flush-request-counts job
// flushes the counts of the replica that runs it (an admin's manual run: the replica that got
// the request). A replica that crashes (SIGKILL, OOM, power) loses what it counted since its
// last flush: at most one interval of its requests. A failed flush puts the cells back for the
// next one.
class RequestCountFlusher {
 public:
  RequestCountFlusher(std::shared_ptr<http::RequestCounter> counter,
                      reporting::ReportingService& reports, std::chrono::seconds interval);
  ~RequestCountFlusher();
  RequestCountFlusher(const RequestCountFlusher&) = delete;
  RequestCountFlusher& operator=(const RequestCountFlusher&) = delete;
  RequestCountFlusher(RequestCountFlusher&&) = delete;
  RequestCountFlusher& operator=(RequestCountFlusher&&) = delete;

  void start();
  // Stops the timer and flushes what is left. Idempotent.
  void stop();
  // Writes what has been counted so far; returns the cells written. Throws when the database
  // fails (the cells are kept for the next flush).
  std::size_t flush();

  const std::shared_ptr<http::RequestCounter>& counter() const { return counter_; }

 private:
  void loop();

  std::shared_ptr<http::RequestCounter> counter_;
  reporting::ReportingService& reports_;
  std::chrono::seconds interval_;
  std::mutex flush_mutex_;  // one flush at a time (timer, job, shutdown)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace tiket::app
