#include "http/worker_pool.hpp"

#include "core/logging.hpp"

namespace tiket::http {

WorkerPool::WorkerPool(unsigned threads, std::size_t capacity) : capacity_(capacity) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

bool WorkerPool::try_submit(std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      return false;
    }
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

std::size_t WorkerPool::queue_depth() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t WorkerPool::busy() const {
  const std::lock_guard lock(mutex_);
  return busy_;
}

void WorkerPool::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) {
      return;
    }
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    try {
      task();
    } catch (const std::exception& e) {
      // Tasks handle their own errors; this is the last line of defence for the thread.
      core::log::error("worker task escaped with an exception", {{"error", e.what()}});
    } catch (...) {
      core::log::error("worker task escaped with an unknown exception");
    }
    const std::lock_guard lock(mutex_);
    --busy_;
  }
}

}  // namespace tiket::http
