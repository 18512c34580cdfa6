#include "http/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <mutex>

namespace tiket::http {

namespace {
prometheus::Gauge* make_gauge(prometheus::Registry& registry, const std::string& name,
                              const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}
}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(&prometheus::BuildCounter()
                     .Name("http_requests_total")
                     .Help("HTTP requests by method, route template and status")
                     .Register(*registry_)),
      latency_(&prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("HTTP request latency by method, route template and status")
                    .Register(*registry_)),
      in_flight_(make_gauge(*registry_, "http_requests_in_flight",
                            "Requests accepted and not yet answered")),
      worker_queue_depth_(
          make_gauge(*registry_, "worker_queue_depth", "Tasks waiting for a worker thread")),
      worker_busy_(make_gauge(*registry_, "worker_busy_threads", "Worker threads running a task")),
      db_pool_in_use_(
          make_gauge(*registry_, "db_pool_in_use", "Database connections lent out of the pool")),
      db_pool_open_(make_gauge(*registry_, "db_pool_open", "Database connections open")),
      db_pool_max_(make_gauge(*registry_, "db_pool_max",
                              "Database connections the pool may open (DB_POOL_SIZE)")) {}

void Metrics::observe_request(std::size_t route_id, std::string_view route, Method method,
                              int status, double seconds) {
  const std::uint64_t key = (static_cast<std::uint64_t>(route_id) << 24U) |
                            (static_cast<std::uint64_t>(method) << 16U) |
                            static_cast<std::uint64_t>(status & 0xFFFF);
  // Each thread keeps its own copy of the pointers it has used, so the common case takes no
  // lock at all; the shared map is only consulted the first time a thread sees a series.
  // Series pointers stay valid for the registry's lifetime (prometheus-cpp never removes them
  // unless asked); the cache is dropped if another Metrics object uses this thread.
  thread_local std::unordered_map<std::uint64_t, Series> local;
  thread_local const Metrics* local_owner = nullptr;
  if (local_owner != this) {
    local.clear();
    local_owner = this;
  }
  if (const auto it = local.find(key); it != local.end()) {
    it->second.count->Increment();
    it->second.latency->Observe(seconds);
    return;
  }
  Series series{};
  {
    const std::shared_lock lock(series_mutex_);
    if (const auto it = series_.find(key); it != series_.end()) {
      series = it->second;
    }
  }
  if (series.count == nullptr) {
    const std::unique_lock lock(series_mutex_);
    auto& slot = series_[key];
    if (slot.count == nullptr) {
      const std::map<std::string, std::string> labels = {{"method", std::string(to_string(method))},
                                                         {"route", std::string(route)},
                                                         {"status", std::to_string(status)}};
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
      slot.count = &requests_->Add(labels);
      slot.latency = &latency_->Add(labels, kBuckets);
    }
    series = slot;
  }
  local.emplace(key, series);
  series.count->Increment();
  series.latency->Observe(seconds);
}

void Metrics::on_scrape(std::function<void()> hook) {
  const std::lock_guard lock(hooks_mutex_);
  hooks_.push_back(std::move(hook));
}

std::string Metrics::serialize() {
  {
    const std::lock_guard lock(hooks_mutex_);
    for (const auto& hook : hooks_) {
      hook();
    }
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace tiket::http
