#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace tiket::http {

// Requests per (UTC hour, user) counted in this process's memory, for the requests-per-hour
// report. Counting a request is a map increment under a mutex: no database write per request.
// The counts reach the database only when someone takes them (the flush-request-counts job and
// the replica's own flush timer, src/app); what has not been taken when the process dies is
// lost. Thread-safe.
class RequestCounter {
 public:
  struct Cell {
    std::int64_t hour_epoch = 0;  // seconds since 1970 (UTC) at the start of the hour
    std::int64_t user_id = 0;     // 0: anonymous
    std::int64_t requests = 0;
  };

  // Beyond this many distinct (hour, user) cells new ones are dropped (and counted in
  // dropped()), so a database that stays down cannot grow the map without bound.
  explicit RequestCounter(std::size_t max_cells = 100'000) : max_cells_(max_cells) {}

  void count(std::optional<std::int64_t> user_id,
             std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  // Empties the counter; the cells come back ordered by (hour, user).
  std::vector<Cell> take();
  // Puts cells back after a flush that failed, adding them to what was counted meanwhile.
  void give_back(const std::vector<Cell>& cells);

  std::size_t cells() const;
  std::uint64_t dropped() const;

 private:
  void add(std::int64_t hour, std::int64_t user, std::int64_t n);

  std::size_t max_cells_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> cells_;
  std::uint64_t dropped_ = 0;
};

}  // namespace tiket::http
