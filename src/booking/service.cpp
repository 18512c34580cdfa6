#include "booking/service.hpp"

#include <cppconn/exception.h>

#include <algorithm>

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/sha256.hpp"
#include "db/transaction.hpp"

namespace tiket::booking {

namespace {

constexpr unsigned kExpiryBatch = 200;
constexpr unsigned kPurgeBatch = 1000;

core::AppError sold_out(std::int64_t ticket_type_id) {
  return {409, "https://tiket.example/problems/sold-out", "Not enough tickets left",
          "Not enough tickets of type " + std::to_string(ticket_type_id) +
              " are left for this booking; nothing was held."};
}

core::AppError rule(const std::string& slug, std::string title, std::string detail,
                    std::vector<core::FieldError> errors = {}) {
  return {422, "https://tiket.example/problems/" + slug, std::move(title), std::move(detail),
          std::move(errors)};
}

std::vector<ItemRequest> sorted_items(const BookingRequest& request) {
  auto items = request.items;
  std::sort(items.begin(), items.end(), [](const ItemRequest& a, const ItemRequest& b) {
    return a.ticket_type_id < b.ticket_type_id;
  });
  return items;
}

}  // namespace

std::string request_fingerprint(const BookingRequest& request) {
  std::string canonical = "concert=" + std::to_string(request.concert_id);
  for (const auto& item : sorted_items(request)) {
    canonical += ";" + std::to_string(item.ticket_type_id) + "x" + std::to_string(item.quantity);
  }
  return core::sha256_hex(canonical);
}

std::string encode_cursor(std::int64_t last_id) {
  return core::encode_id_cursor('b', last_id);
}

std::int64_t decode_cursor(const std::string& cursor) {
  return core::decode_id_cursor('b', cursor);
}

BookingService::BookingService(db::Pool& pool, BookingOptions options)
    : pool_(pool), options_(options) {}

void BookingService::notify_stock_changed(std::int64_t concert_id) const {
  if (on_stock_changed) {
    on_stock_changed(concert_id);
  }
}

CreateResult BookingService::create(std::int64_t user_id, const std::string& idempotency_key,
                                    const BookingRequest& request) {
  const auto fingerprint = request_fingerprint(request);
  const auto items = sorted_items(request);
  try {
    return create_once(user_id, idempotency_key, request, fingerprint, items);
  } catch (const core::AppError& e) {
    if (e.status() == 409) {
      counters_.sold_out.fetch_add(1, std::memory_order_relaxed);
    }
    throw;
  }
}

CreateResult BookingService::create_once(std::int64_t user_id, const std::string& idempotency_key,
                                         const BookingRequest& request,
                                         const std::string& fingerprint,
                                         const std::vector<ItemRequest>& items) {
  auto result = db::transaction(pool_, [&](db::Connection& conn) -> CreateResult {
    // 1. One customer's bookings are decided one at a time: a duplicate Idempotency-Key waits
    //    here for the first request and then replays it; parallel requests cannot both pass
    //    the per-user limit.
    repo_.lock_user(conn, user_id);

    // 2. Idempotency-Key.
    if (const auto seen = repo_.find_idempotency(conn, user_id, idempotency_key)) {
      if (!seen->expired) {
        if (seen->request_hash != fingerprint) {
          throw rule("idempotency-key-reused", "Idempotency-Key reused",
                     "This Idempotency-Key was already used with a different request; use a new "
                     "key for a new booking.");
        }
        return {seen->response_status, seen->response_body, true};
      }
      repo_.delete_idempotency(conn, user_id, idempotency_key);
    }

    // 3. The concert must be published and not yet started.
    const auto concert = repo_.concert_for_booking(conn, request.concert_id);
    if (!concert || concert->status == "draft") {
      throw core::AppError::not_found("No published concert with this id.");
    }
    if (concert->status == "cancelled") {
      throw rule("concert-cancelled", "Concert cancelled",
                 "This concert was cancelled; it cannot be booked.");
    }
    if (concert->started) {
      throw rule("concert-started", "Concert already started",
                 "This concert has already started; it cannot be booked.");
    }

    // 4. Every item must be a ticket type of this concert; the price comes from the DB.
    std::vector<Item> priced;
    std::vector<std::optional<std::int64_t>> limits;
    std::vector<core::FieldError> unknown;
    for (std::size_t i = 0; i < request.items.size(); ++i) {
      const auto& wanted = request.items[i];
      const auto type = repo_.ticket_type(conn, wanted.ticket_type_id);
      if (!type || type->concert_id != request.concert_id) {
        unknown.push_back({"items[" + std::to_string(i) + "].ticket_type_id",
                           "is not a ticket type of this concert"});
      }
    }
    if (!unknown.empty()) {
      throw rule("unknown-ticket-type", "Unknown ticket type",
                 "Some items name a ticket type that this concert does not have.",
                 std::move(unknown));
    }
    std::int64_t total = 0;
    for (const auto& wanted : items) {
      const auto type = repo_.ticket_type(conn, wanted.ticket_type_id);
      priced.push_back({wanted.ticket_type_id, wanted.quantity, type->price});
      limits.push_back(type->per_user_limit);
      std::int64_t line = 0;
      if (__builtin_mul_overflow(wanted.quantity, type->price, &line) ||
          __builtin_add_overflow(total, line, &total)) {
        throw rule("total-too-large", "Booking total too large",
                   "The booking total does not fit; book fewer tickets.");
      }
    }

    // 5. Per-user limits count the customer's paid and unexpired pending bookings.
    for (std::size_t i = 0; i < priced.size(); ++i) {
      if (!limits[i]) {
        continue;
      }
      const auto held = repo_.held_by_user(conn, user_id, priced[i].ticket_type_id);
      if (held + priced[i].quantity > *limits[i]) {
        throw rule("per-user-limit", "Per-customer limit exceeded",
                   "Ticket type " + std::to_string(priced[i].ticket_type_id) + " allows " +
                       std::to_string(*limits[i]) + " per customer; you already hold " +
                       std::to_string(held) + ".");
      }
    }

    // 6. Hold the stock: a conditional update per item, in ticket-type order.
    for (const auto& item : priced) {
      if (!repo_.take_stock(conn, item.ticket_type_id, item.quantity)) {
        throw sold_out(item.ticket_type_id);
      }
    }

    // 7. The booking code, as late as possible: the counter row stays locked until commit.
    const auto day = core::business_day(std::chrono::system_clock::now());
    const auto iso_day = core::format_iso(day);
    const auto number = repo_.next_day_number(conn, iso_day);
    const auto code = format_code(day, number);

    // 8. The booking, its items and the remembered response.
    const auto booking_id =
        repo_.insert_booking(conn, code, iso_day, number, user_id, request.concert_id, total,
                             static_cast<long>(options_.hold.count()));
    for (const auto& item : priced) {
      repo_.insert_item(conn, booking_id, item);
    }
    const auto booking = repo_.find_by_id(conn, booking_id);
    const auto body = to_json(*booking).dump();
    repo_.insert_idempotency(conn, user_id, idempotency_key, fingerprint, 201, body);
    return {201, body, false};
  });
  if (result.replayed) {
    counters_.replayed.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.created.fetch_add(1, std::memory_order_relaxed);
    notify_stock_changed(request.concert_id);
  }
  return result;
}

Booking BookingService::get(const std::string& code, const identity::Principal& caller) {
  if (!looks_like_code(code)) {
    throw core::AppError::not_found("No booking with this code.");
  }
  auto booking = db::with_connection(
      pool_, [&](db::Connection& conn) { return repo_.find_by_code(conn, code, false); });
  if (!booking || (!caller.is_admin() && booking->user_id != caller.user_id)) {
    throw core::AppError::not_found("No booking with this code.");
  }
  return std::move(*booking);
}

BookingPage BookingService::list(const identity::Principal& caller, BookingFilter filter,
                                 const std::optional<std::string>& cursor) {
  if (!caller.is_admin()) {
    if (filter.user_id && *filter.user_id != caller.user_id) {
      throw core::AppError::forbidden("Only an admin may list other users' bookings.");
    }
    filter.user_id = caller.user_id;
  }
  filter.before_id = cursor ? decode_cursor(*cursor) : 0;
  const auto limit = filter.limit;
  filter.limit = limit + 1;  // one extra row tells whether there is a next page
  auto rows =
      db::with_connection(pool_, [&](db::Connection& conn) { return repo_.list(conn, filter); });
  BookingPage page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = encode_cursor(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

Booking BookingService::cancel(const std::string& code, const identity::Principal& caller) {
  if (!looks_like_code(code)) {
    throw core::AppError::not_found("No booking with this code.");
  }
  auto booking = db::transaction(pool_, [&](db::Connection& conn) {
    auto found = repo_.find_by_code(conn, code, true);
    if (!found || (!caller.is_admin() && found->user_id != caller.user_id)) {
      throw core::AppError::not_found("No booking with this code.");
    }
    if (found->status != Status::pending_payment ||
        !repo_.leave_pending(conn, found->id, Status::cancelled, false)) {
      throw core::AppError(409, "https://tiket.example/problems/booking-not-cancellable",
                           "Booking cannot be cancelled",
                           "Only a booking that is still pending payment can be cancelled; "
                           "this one is " +
                               std::string(to_string(found->status)) + ".");
    }
    for (const auto& item : found->items) {  // loaded in ticket-type order
      repo_.return_stock(conn, item.ticket_type_id, item.quantity);
    }
    found->status = Status::cancelled;
    return std::move(*found);
  });
  counters_.cancelled.fetch_add(1, std::memory_order_relaxed);
  notify_stock_changed(booking.concert_id);
  return booking;
}

unsigned BookingService::expire_overdue() {
  unsigned expired = 0;
  for (;;) {
    const auto ids = db::with_connection(
        pool_, [&](db::Connection& conn) { return repo_.overdue_ids(conn, kExpiryBatch); });
    unsigned this_batch = 0;
    for (const auto id : ids) {
      // Each booking in its own short transaction: the conditional status change decides who
      // returns the stock, so a concurrent cancel or a second expiry run returns nothing.
      const auto concert_id = db::transaction(pool_, [&](db::Connection& conn) {
        if (!repo_.leave_pending(conn, id, Status::expired, true)) {
          return std::int64_t{0};
        }
        const auto booking = repo_.find_by_id(conn, id);
        for (const auto& item : booking->items) {
          repo_.return_stock(conn, item.ticket_type_id, item.quantity);
        }
        return booking->concert_id;
      });
      if (concert_id != 0) {
        ++this_batch;
        notify_stock_changed(concert_id);
      }
    }
    expired += this_batch;
    counters_.expired.fetch_add(this_batch, std::memory_order_relaxed);
    if (ids.size() < kExpiryBatch) {
      break;
    }
  }
  db::with_connection(pool_, [&](db::Connection& conn) {
    unsigned purged = kPurgeBatch;
    while (purged == kPurgeBatch) {
      purged = repo_.purge_idempotency(conn, kPurgeBatch);
    }
  });
  return expired;
}

}  // namespace tiket::booking
