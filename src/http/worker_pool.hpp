#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tiket::http {

// A fixed set of threads behind a bounded queue. Blocking work (DB, password hashing) runs
// here so that the Pistache reactor threads never wait on I/O. A full queue is reported to the
// caller, which answers 503 with Retry-After instead of letting latency grow without bound.
class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  WorkerPool(WorkerPool&&) = delete;
  WorkerPool& operator=(WorkerPool&&) = delete;

  // False when the queue is full or the pool is stopping; the task is then not run.
  bool try_submit(std::function<void()> task);

  std::size_t queue_depth() const;
  std::size_t busy() const;

  // Runs what is already queued, then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tiket::http
