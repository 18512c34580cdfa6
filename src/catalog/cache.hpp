#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tiket::catalog {

enum class CacheOutcome { hit, miss, coalesced };

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;     // loads started (with ttl 0: every call)
  std::uint64_t coalesced = 0;  // calls that waited for another caller's load
};

struct ReadCacheOptions {
  std::chrono::milliseconds ttl{2000};  // 0 turns the cache off: every call runs the loader
  std::size_t max_entries = 10'000;
  // The clock, injectable for tests. Empty: std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
  // Told how each call is served as soon as that is decided (before a load or a wait), so a
  // metric shows requests that are still waiting. Called without the cache's lock held.
  std::function<void(CacheOutcome)> on_lookup;
};

// An in-process read-through cache with a TTL and request coalescing.
//
// - A hit returns the stored value while it is younger than the TTL, measured from the moment
//   its load started, so a value is never older than the TTL relative to the data it read.
// - Concurrent misses for one key run the loader once (in the first caller's thread); the
//   others wait for that result. If the loader throws, every waiter gets the same exception
//   and nothing is stored.
// - invalidate() removes the entry and detaches a load in flight for the key: callers already
//   waiting still get its result (they asked before the write), but it is not stored, and the
//   next caller starts a fresh load that sees the write.
// - At most max_entries values are kept; when full, expired entries and then the oldest go.
//
// Values are shared_ptr<const V>: readers share one immutable copy and never hold the lock
// while using it.
template <typename V>
class ReadCache {
 public:
  using Value = std::shared_ptr<const V>;
  using Clock = std::chrono::steady_clock;

  struct Lookup {
    Value value;
    CacheOutcome outcome = CacheOutcome::miss;
  };

  explicit ReadCache(ReadCacheOptions options) : options_(std::move(options)) {
    if (!options_.now) {
      options_.now = [] { return Clock::now(); };
    }
    options_.max_entries = std::max<std::size_t>(options_.max_entries, 1);
  }

  bool enabled() const { return options_.ttl.count() > 0; }

  // `loader` is called as V loader() without the cache's lock held.
  template <typename Loader>
  Lookup get_or_load(const std::string& key, Loader&& loader) {
    if (!enabled()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      note(CacheOutcome::miss);
      return {std::make_shared<const V>(loader()), CacheOutcome::miss};
    }
    std::unique_lock lock(mutex_);
    const auto started = options_.now();
    if (const auto it = entries_.find(key); it != entries_.end()) {
      if (started < it->second.expires) {
        auto value = it->second.value;
        lock.unlock();
        hits_.fetch_add(1, std::memory_order_relaxed);
        note(CacheOutcome::hit);
        return {std::move(value), CacheOutcome::hit};
      }
      erase_entry(it);
    }
    if (const auto it = flights_.find(key); it != flights_.end()) {
      const auto flight = it->second;
      lock.unlock();
      coalesced_.fetch_add(1, std::memory_order_relaxed);
      note(CacheOutcome::coalesced);
      return {flight->result.get(), CacheOutcome::coalesced};  // rethrows the loader's exception
    }
    const auto flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
    lock.unlock();
    misses_.fetch_add(1, std::memory_order_relaxed);
    note(CacheOutcome::miss);
    return lead(lock, key, flight, started, std::forward<Loader>(loader));
  }

  // The stored value if it is fresh, without loading, waiting or blocking on anything but the
  // cache's own short lock (a hit is counted); nullptr otherwise, and with the cache off. For
  // answering hits on a thread that must not block (http::FastPath).
  Value peek(const std::string& key) {
    if (!enabled()) {
      return nullptr;
    }
    std::unique_lock lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || !(options_.now() < it->second.expires)) {
      return nullptr;
    }
    auto value = it->second.value;
    lock.unlock();
    hits_.fetch_add(1, std::memory_order_relaxed);
    note(CacheOutcome::hit);
    return value;
  }

  void invalidate(const std::string& key) {
    const std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
      erase_entry(it);
    }
    flights_.erase(key);
  }

  void invalidate_prefix(std::string_view prefix) {
    const std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (std::string_view(it->first).starts_with(prefix)) {
        order_.erase(it->second.order);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = flights_.begin(); it != flights_.end();) {
      it = std::string_view(it->first).starts_with(prefix) ? flights_.erase(it) : std::next(it);
    }
  }

  void clear() {
    const std::lock_guard lock(mutex_);
    entries_.clear();
    order_.clear();
    flights_.clear();
  }

  CacheStats stats() const {
    return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
            coalesced_.load(std::memory_order_relaxed)};
  }

  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Flight {
    Flight() : result(promise.get_future().share()) {}
    std::promise<Value> promise;
    std::shared_future<Value> result;
  };

  struct Entry {
    Value value;
    Clock::time_point expires;
    std::list<std::string>::iterator order;  // position in order_ (oldest first)
  };

  using Entries = std::unordered_map<std::string, Entry>;

  void note(CacheOutcome outcome) const {
    if (options_.on_lookup) {
      options_.on_lookup(outcome);
    }
  }

  // Runs the load for `flight`, which this caller registered, without the lock; takes `lock`
  // again to publish the result.
  template <typename Loader>
  Lookup lead(std::unique_lock<std::mutex>& lock, const std::string& key,
              const std::shared_ptr<Flight>& flight, Clock::time_point started, Loader&& loader) {
    Value value;
    try {
      value = std::make_shared<const V>(loader());
    } catch (...) {
      lock.lock();
      detach(key, flight);
      flight->promise.set_exception(std::current_exception());
      throw;
    }
    lock.lock();
    // Still registered means no invalidation touched the key while it loaded.
    if (detach(key, flight)) {
      store(key, value, started + options_.ttl);
    }
    flight->promise.set_value(value);
    return {value, CacheOutcome::miss};
  }

  bool detach(const std::string& key, const std::shared_ptr<Flight>& flight) {
    const auto it = flights_.find(key);
    if (it == flights_.end() || it->second != flight) {
      return false;
    }
    flights_.erase(it);
    return true;
  }

  void erase_entry(typename Entries::iterator it) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }

  void store(const std::string& key, Value value, Clock::time_point expires) {
    if (const auto it = entries_.find(key); it != entries_.end()) {
      erase_entry(it);
    }
    if (entries_.size() >= options_.max_entries) {
      const auto now = options_.now();
      while (!order_.empty() && entries_.at(order_.front()).expires <= now) {
        entries_.erase(order_.front());
        order_.pop_front();
      }
      while (entries_.size() >= options_.max_entries) {
        entries_.erase(order_.front());
        order_.pop_front();
      }
    }
    order_.push_back(key);
    entries_.emplace(key, Entry{std::move(value), expires, std::prev(order_.end())});
  }

  ReadCacheOptions options_;
  mutable std::mutex mutex_;
  Entries entries_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> coalesced_{0};
};

}  // namespace tiket::catalog
