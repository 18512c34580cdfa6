#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "booking/booking.hpp"
#include "booking/repository.hpp"
#include "db/pool.hpp"
#include "identity/principal.hpp"

namespace tiket::booking {

struct ItemRequest {
  std::int64_t ticket_type_id = 0;
  std::int64_t quantity = 0;
};

struct BookingRequest {
  std::int64_t concert_id = 0;
  std::vector<ItemRequest> items;  // validated by the routes: 1..10, distinct ticket types
};

// The HTTP answer to a booking request: new, or replayed from the Idempotency-Key store.
struct CreateResult {
  int status = 201;
  std::string body;  // JSON
  bool replayed = false;
};

struct BookingPage {
  std::vector<Booking> items;
  std::optional<std::string> next_cursor;
};

struct BookingOptions {
  std::chrono::minutes hold{15};
};

// Counters for /metrics; plain atomics so the service needs no metrics library.
struct BookingCounters {
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> sold_out{0};
  std::atomic<std::uint64_t> cancelled{0};
  std::atomic<std::uint64_t> expired{0};
};

// The booking rules. Blocking (DB): call from worker threads.
class BookingService {
 public:
  BookingService(db::Pool& pool, BookingOptions options);

  // One transaction: lock the customer, check the Idempotency-Key, check the concert and the
  // items, check per-user limits, hold the stock with conditional updates (sorted by ticket
  // type, so two bookings never wait on each other in opposite orders), price from the DB,
  // take the booking code, insert, remember the response under the key, commit.
  // 404 unknown or unpublished concert; 422 a ticket type of another concert, a concert that
  // has started or was cancelled, a per-user limit, or the key reused with another request;
  // 409 not enough stock.
  CreateResult create(std::int64_t user_id, const std::string& idempotency_key,
                      const BookingRequest& request);

  // Owner or admin; anyone else gets 404.
  Booking get(const std::string& code, const identity::Principal& caller);

  // Own bookings, newest first; an admin sees everyone's and may filter by user.
  BookingPage list(const identity::Principal& caller, BookingFilter filter,
                   const std::optional<std::string>& cursor);

  // Owner or admin, only while pending_payment (409 otherwise). The stock comes back exactly
  // once: the status change and the stock return are one transaction, and only the caller
  // whose conditional update moved the booking out of pending_payment returns it.
  Booking cancel(const std::string& code, const identity::Principal& caller);

  // Expires every overdue hold (in batches) and returns its stock exactly once; also purges
  // Idempotency-Keys older than 24 h. Safe to run concurrently with itself and with cancels.
  // Returns the number of bookings this call expired.
  unsigned expire_overdue();

  // Called after stock changed for a concert (the catalog drops its cached copy).
  std::function<void(std::int64_t concert_id)> on_stock_changed;

  const BookingCounters& counters() const { return counters_; }

 private:
  CreateResult create_once(std::int64_t user_id, const std::string& idempotency_key,
                           const BookingRequest& request, const std::string& fingerprint,
                           const std::vector<ItemRequest>& items);
  void notify_stock_changed(std::int64_t concert_id) const;

  db::Pool& pool_;
  BookingOptions options_;
  BookingRepository repo_;
  BookingCounters counters_;
};

// The request in a canonical form (items sorted), hashed for Idempotency-Key comparison.
std::string request_fingerprint(const BookingRequest& request);

std::string encode_cursor(std::int64_t last_id);
std::int64_t decode_cursor(const std::string& cursor);  // AppError 400 when malformed

}  // namespace tiket::booking
