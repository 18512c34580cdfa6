#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"

namespace tiket::http {

// Prometheus metrics for the HTTP layer plus a registry that other modules add their own
// counters to. Label values are route templates, never raw paths.
class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // route_id identifies the route template cheaply; it is the cache key with method and status.
  void observe_request(std::size_t route_id, std::string_view route, Method method, int status,
                       double seconds);

  prometheus::Gauge& in_flight() { return *in_flight_; }
  prometheus::Gauge& worker_queue_depth() { return *worker_queue_depth_; }
  prometheus::Gauge& worker_busy() { return *worker_busy_; }
  prometheus::Gauge& db_pool_in_use() { return *db_pool_in_use_; }
  prometheus::Gauge& db_pool_open() { return *db_pool_open_; }
  // DB_POOL_SIZE, so that alerts can compare db_pool_in_use with it.
  prometheus::Gauge& db_pool_max() { return *db_pool_max_; }

  // Hooks run just before each scrape, to read gauges that are cheaper to sample than to track.
  void on_scrape(std::function<void()> hook);

  std::string serialize();

 private:
  struct Series {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* worker_queue_depth_;
  prometheus::Gauge* worker_busy_;
  prometheus::Gauge* db_pool_in_use_;
  prometheus::Gauge* db_pool_open_;
  prometheus::Gauge* db_pool_max_;

  std::shared_mutex series_mutex_;
  std::unordered_map<std::uint64_t, Series> series_;
  std::mutex hooks_mutex_;
  std::vector<std::function<void()>> hooks_;
};

}  // namespace tiket::http
