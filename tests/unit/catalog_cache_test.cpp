// ReadCache: TTL, request coalescing, failures, invalidation during a load, bounded size.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catalog/cache.hpp"

using tiket::catalog::CacheOutcome;
using tiket::catalog::ReadCache;
using tiket::catalog::ReadCacheOptions;
using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand.
struct ManualClock {
  std::atomic<std::chrono::steady_clock::time_point> now{std::chrono::steady_clock::time_point{}};
  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] { return now.load(); };
  }
  void advance(std::chrono::milliseconds by) { now = now.load() + by; }
};

// Spins (bounded) until `done` holds; fails the test on timeout instead of hanging.
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST(CatalogCache, ConcurrentMissesForOneKeyRunTheLoaderOnce) {
  constexpr int kThreads = 16;
  ReadCache<std::string> cache(ReadCacheOptions{60s, 100, {}, {}});
  std::atomic<int> loads{0};
  std::latch start(kThreads);
  std::vector<std::future<std::pair<std::string, CacheOutcome>>> results;
  for (int i = 0; i < kThreads; ++i) {
    results.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      auto r = cache.get_or_load("k", [&] {
        ++loads;
        // Hold the load open until every other caller has joined it as a waiter.
        EXPECT_TRUE(eventually([&] { return cache.stats().coalesced == kThreads - 1; }));
        return std::string("value");
      });
      return std::pair{*r.value, r.outcome};
    }));
  }
  int misses = 0;
  int coalesced = 0;
  for (auto& f : results) {
    const auto [value, outcome] = f.get();
    EXPECT_EQ(value, "value");
    misses += outcome == CacheOutcome::miss ? 1 : 0;
    coalesced += outcome == CacheOutcome::coalesced ? 1 : 0;
  }
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(misses, 1);
  EXPECT_EQ(coalesced, kThreads - 1);
  // Stored: the next call is a hit and does not load.
  const auto again = cache.get_or_load("k", [&] {
    ++loads;
    return std::string("other");
  });
  EXPECT_EQ(again.outcome, CacheOutcome::hit);
  EXPECT_EQ(*again.value, "value");
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(cache.stats().hits, 1U);
}

TEST(CatalogCache, ALoaderFailureReachesEveryWaiterAndIsNotCached) {
  constexpr int kThreads = 8;
  ReadCache<int> cache(ReadCacheOptions{60s, 100, {}, {}});
  std::atomic<int> loads{0};
  std::latch start(kThreads);
  std::vector<std::future<bool>> threw;
  for (int i = 0; i < kThreads; ++i) {
    threw.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      try {
        cache.get_or_load("k", [&]() -> int {
          ++loads;
          EXPECT_TRUE(eventually([&] { return cache.stats().coalesced == kThreads - 1; }));
          throw std::runtime_error("database down");
        });
      } catch (const std::runtime_error& e) {
        return std::string(e.what()) == "database down";
      }
      return false;
    }));
  }
  for (auto& f : threw) {
    EXPECT_TRUE(f.get());
  }
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(cache.size(), 0U);
  const auto next = cache.get_or_load("k", [&] {
    ++loads;
    return 7;
  });
  EXPECT_EQ(next.outcome, CacheOutcome::miss);
  EXPECT_EQ(*next.value, 7);
  EXPECT_EQ(loads.load(), 2);
}

TEST(CatalogCache, EntriesExpireAfterTheTtl) {
  ManualClock clock;
  ReadCache<int> cache(ReadCacheOptions{1000ms, 100, clock.fn(), {}});
  int loads = 0;
  const auto load = [&] { return ++loads; };
  EXPECT_EQ(*cache.get_or_load("k", load).value, 1);
  clock.advance(999ms);
  EXPECT_EQ(cache.get_or_load("k", load).outcome, CacheOutcome::hit);
  clock.advance(1ms);
  const auto expired = cache.get_or_load("k", load);
  EXPECT_EQ(expired.outcome, CacheOutcome::miss);
  EXPECT_EQ(*expired.value, 2);
  EXPECT_EQ(loads, 2);
}

TEST(CatalogCache, TtlIsMeasuredFromTheStartOfTheLoad) {
  ManualClock clock;
  ReadCache<int> cache(ReadCacheOptions{1000ms, 100, clock.fn(), {}});
  cache.get_or_load("k", [&] {
    clock.advance(600ms);  // a slow query
    return 1;
  });
  clock.advance(400ms);  // 1000 ms after the data was read
  EXPECT_EQ(cache.get_or_load("k", [] { return 2; }).outcome, CacheOutcome::miss);
}

TEST(CatalogCache, RealClockExpiry) {
  ReadCache<int> cache(ReadCacheOptions{50ms, 100, {}, {}});
  int loads = 0;
  const auto load = [&] { return ++loads; };
  cache.get_or_load("k", load);
  EXPECT_EQ(cache.get_or_load("k", load).outcome, CacheOutcome::hit);
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(cache.get_or_load("k", load).outcome, CacheOutcome::miss);
  EXPECT_EQ(loads, 2);
}

TEST(CatalogCache, ZeroTtlLoadsOnEveryCallAndStoresNothing) {
  ReadCache<int> cache(ReadCacheOptions{0ms, 100, {}, {}});
  EXPECT_FALSE(cache.enabled());
  int loads = 0;
  for (int i = 1; i <= 5; ++i) {
    const auto r = cache.get_or_load("k", [&] { return ++loads; });
    EXPECT_EQ(r.outcome, CacheOutcome::miss);
    EXPECT_EQ(*r.value, i);
  }
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.stats().misses, 5U);
  EXPECT_EQ(cache.stats().hits, 0U);
}

TEST(CatalogCache, ZeroTtlDoesNotCoalesce) {
  constexpr int kThreads = 4;
  ReadCache<int> cache(ReadCacheOptions{0ms, 100, {}, {}});
  std::atomic<int> inside{0};
  std::latch all_inside(kThreads);
  std::vector<std::future<void>> done;
  for (int i = 0; i < kThreads; ++i) {
    done.push_back(std::async(std::launch::async, [&] {
      cache.get_or_load("k", [&] {
        ++inside;
        all_inside.arrive_and_wait();  // only returns if every caller runs its own load
        return 1;
      });
    }));
  }
  for (auto& f : done) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  }
  EXPECT_EQ(inside.load(), kThreads);
  EXPECT_EQ(cache.stats().coalesced, 0U);
}

TEST(CatalogCache, InvalidationDuringALoadKeepsTheStaleResultOut) {
  ReadCache<std::string> cache(ReadCacheOptions{60s, 100, {}, {}});
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> loading{false};
  auto first = std::async(std::launch::async, [&] {
    return *cache
                .get_or_load("k",
                             [&] {
                               loading = true;
                               released.wait();  // read before the write committed
                               return std::string("stale");
                             })
                .value;
  });
  ASSERT_TRUE(eventually([&] { return loading.load(); }));
  cache.invalidate("k");  // the write commits and invalidates while the load is in flight

  // A caller after the invalidation must not join the stale load: it loads afresh.
  const auto after = cache.get_or_load("k", [] { return std::string("fresh"); });
  EXPECT_EQ(after.outcome, CacheOutcome::miss);
  EXPECT_EQ(*after.value, "fresh");

  release.set_value();
  EXPECT_EQ(first.get(), "stale");  // its own caller asked before the write
  // The stale result did not overwrite the fresh one.
  const auto later = cache.get_or_load("k", [] { return std::string("unexpected load"); });
  EXPECT_EQ(later.outcome, CacheOutcome::hit);
  EXPECT_EQ(*later.value, "fresh");
}

TEST(CatalogCache, InvalidationDuringALoadWithNoOtherCallerStoresNothing) {
  ReadCache<std::string> cache(ReadCacheOptions{60s, 100, {}, {}});
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> loading{false};
  auto first = std::async(std::launch::async, [&] {
    return *cache
                .get_or_load("list:a",
                             [&] {
                               loading = true;
                               released.wait();
                               return std::string("stale");
                             })
                .value;
  });
  ASSERT_TRUE(eventually([&] { return loading.load(); }));
  cache.invalidate_prefix("list:");
  release.set_value();
  EXPECT_EQ(first.get(), "stale");
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(*cache.get_or_load("list:a", [] { return std::string("fresh"); }).value, "fresh");
}

TEST(CatalogCache, InvalidateRemovesOneKeyAndPrefixOrClearRemoveMany) {
  ReadCache<int> cache(ReadCacheOptions{60s, 100, {}, {}});
  for (const char* key : {"concert:1", "concert:2", "list:a", "list:b"}) {
    cache.get_or_load(key, [] { return 1; });
  }
  cache.invalidate("concert:1");
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_EQ(cache.get_or_load("concert:2", [] { return 2; }).outcome, CacheOutcome::hit);
  cache.invalidate_prefix("list:");
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_EQ(cache.get_or_load("list:a", [] { return 2; }).outcome, CacheOutcome::miss);
  cache.clear();
  EXPECT_EQ(cache.size(), 0U);
}

TEST(CatalogCache, SizeIsBoundedAndTheOldestGoesFirst) {
  ManualClock clock;
  ReadCache<int> cache(ReadCacheOptions{60s, 3, clock.fn(), {}});
  for (int i = 0; i < 5; ++i) {
    cache.get_or_load("k" + std::to_string(i), [i] { return i; });
    clock.advance(1ms);
  }
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_EQ(cache.get_or_load("k4", [] { return -1; }).outcome, CacheOutcome::hit);
  EXPECT_EQ(cache.get_or_load("k2", [] { return -1; }).outcome, CacheOutcome::hit);
  EXPECT_EQ(cache.get_or_load("k0", [] { return -1; }).outcome, CacheOutcome::miss);
  EXPECT_EQ(cache.size(), 3U);
}

TEST(CatalogCache, AFullCacheDropsEveryExpiredEntryBeforeEvictingLiveOnes) {
  ManualClock clock;
  ReadCache<int> cache(ReadCacheOptions{100ms, 3, clock.fn(), {}});
  cache.get_or_load("a", [] { return 1; });
  cache.get_or_load("b", [] { return 2; });
  clock.advance(150ms);  // a and b have expired
  cache.get_or_load("c", [] { return 3; });
  cache.get_or_load("d", [] { return 4; });  // full: both expired entries go, c stays
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.get_or_load("c", [] { return -1; }).outcome, CacheOutcome::hit);
  EXPECT_EQ(cache.get_or_load("d", [] { return -1; }).outcome, CacheOutcome::hit);
}

TEST(CatalogCache, ReportsEachOutcomeBeforeLoadingOrWaiting) {
  std::vector<CacheOutcome> seen;
  std::mutex seen_mutex;
  ReadCacheOptions options{60s, 100, {}, [&](CacheOutcome o) {
                             const std::lock_guard lock(seen_mutex);
                             seen.push_back(o);
                           }};
  ReadCache<int> cache(options);
  cache.get_or_load("k", [&] {
    const std::lock_guard lock(seen_mutex);
    EXPECT_EQ(seen, std::vector<CacheOutcome>{CacheOutcome::miss});  // already reported
    return 1;
  });
  cache.get_or_load("k", [] { return 2; });
  EXPECT_EQ(seen, (std::vector<CacheOutcome>{CacheOutcome::miss, CacheOutcome::hit}));
}
