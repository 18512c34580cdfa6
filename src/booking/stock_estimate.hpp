#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace tiket::booking {

struct BookingRequest;

// A ticket type's stock as the database had it at one moment (a plain read, no lock).
struct StockReading {
  std::int64_t ticket_type_id = 0;
  std::int64_t concert_id = 0;
  std::int64_t available = 0;
  std::optional<std::int64_t> per_user_limit;
  bool open = false;  // the concert is published and has not started
};

// What the estimate says about a booking request.
struct StockVerdict {
  // The first item's ticket type that the estimate knows cannot be served: answer sold out
  // without a transaction. nullopt: ask the database.
  std::optional<std::int64_t> short_type;
  // Ticket types whose readings are past half their life; this caller has claimed their
  // refresh (one caller at a time per type) and must call learn() or unclaim() with them.
  std::vector<std::int64_t> refresh;
};

// The sold-out shortcut (ADR 0018): per replica, the last stock reading of each ticket type
// that has turned a booking away. Only ever used to say no. A reading counts for `bound`
// after the moment its query started, so when seats come back (a cancel, an expiry, on any
// replica) a booking for them is refused for at most `bound`; a replica's own cancels and
// expiries forget the concert's readings at once. The conditional stock update stays the only
// authority for saying yes. Thread-safe; readers share a lock.
class StockEstimate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit StockEstimate(std::chrono::milliseconds bound) : bound_(bound) {}

  bool enabled() const { return bound_.count() > 0; }
  std::chrono::milliseconds bound() const { return bound_; }

  StockVerdict check(const BookingRequest& request, Clock::time_point now);
  // Readings from a query that started at `read_at`. A type whose concert is no longer open is
  // dropped, so its bookings get the database's own answer. Releases any refresh claim.
  void learn(const std::vector<StockReading>& readings, Clock::time_point read_at);
  void unclaim(const std::vector<std::int64_t>& ticket_type_ids);
  // Stock of this concert came back on this replica.
  void forget_concert(std::int64_t concert_id);
  std::size_t size() const;

 private:
  struct Entry {
    StockReading reading;
    Clock::time_point read_at;
    bool refreshing = false;
  };

  std::chrono::milliseconds bound_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::int64_t, Entry> entries_;
};

}  // namespace tiket::booking
