#include "booking/service.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "core/backoff.hpp"
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

namespace {
// Sold-out checks waiting for the lane at most; beyond that they take a worker's usual path.
constexpr std::size_t kSoldOutLaneMaxWaiting = 4096;
}  // namespace

BookingService::BookingService(db::Pool& pool, BookingOptions options)
    : pool_(pool),
      options_(options),
      estimate_(options.stock_estimate),
      admission_(options.max_in_flight, options.max_waiting),
      sold_out_lane_(kSoldOutLaneMaxWaiting, BookingRepository::kMaxKeyPairs,
                     [this](std::vector<SoldOutCheck>& group) { decide_sold_out(group); }) {}

namespace {
core::AppError sold_out(std::int64_t ticket_type_id) {
  return {core::ProblemKind::sold_out, "Not enough tickets of type " +
                                           std::to_string(ticket_type_id) +
                                           " are left for this booking; nothing was held."};
}

// The admission line is full.
core::AppError busy() {
  return core::AppError::unavailable(
      "Too many bookings are being written right now; nothing was held. Retry after the "
      "Retry-After interval with the same Idempotency-Key.",
      core::busy_retry_after());
}

std::vector<std::int64_t> type_ids(const BookingRequest& request) {
  std::vector<std::int64_t> ids;
  ids.reserve(request.items.size());
  for (const auto& item : request.items) {
    ids.push_back(item.ticket_type_id);
  }
  return ids;
}
}  // namespace

void BookingService::stock_returned(std::int64_t concert_id) {
  estimate_.forget_concert(concert_id);
  notify_stock_changed(concert_id);
}

void BookingService::read_stock(const std::vector<std::int64_t>& ticket_type_ids) {
  const auto started = StockEstimate::Clock::now();  // a reading's age counts from here
  try {
    auto readings = db::with_connection(
        pool_, [&](db::Connection& conn) { return repo_.stock_readings(conn, ticket_type_ids); });
    estimate_.learn(readings, started);
  } catch (...) {
    estimate_.unclaim(ticket_type_ids);
    throw;
  }
}

std::optional<std::int64_t> BookingService::known_sold_out(std::int64_t user_id,
                                                           const std::string& idempotency_key,
                                                           const BookingRequest& request) {
  if (!estimate_.enabled()) {
    return std::nullopt;
  }
  auto verdict = estimate_.check(request, StockEstimate::Clock::now());
  if (!verdict.refresh.empty()) {
    // Past half its life: this caller refreshes it (one at a time per type); the others go on
    // using the reading, which still counts.
    read_stock(verdict.refresh);
    verdict = estimate_.check(request, StockEstimate::Clock::now());
    estimate_.unclaim(verdict.refresh);
  }
  if (!verdict.short_type) {
    return std::nullopt;
  }
  // A retry of a booking that went through must get its saved answer, not sold out.
  const bool replay = db::with_connection(pool_, [&](db::Connection& conn) {
    return repo_.has_live_idempotency_key(conn, user_id, idempotency_key);
  });
  return replay ? std::nullopt : verdict.short_type;
}

bool BookingService::refuse_if_known_sold_out(std::int64_t user_id,
                                              const std::string& idempotency_key,
                                              const BookingRequest& request,
                                              std::function<void(std::exception_ptr)> done) {
  if (!estimate_.enabled()) {
    return false;
  }
  auto verdict = estimate_.check(request, StockEstimate::Clock::now());
  if (!verdict.short_type) {
    estimate_.unclaim(verdict.refresh);  // create() will claim it again and refresh
    return false;
  }
  // A reading younger than the bound may say no even when it is due a refresh; the lane
  // refreshes it for the next requests.
  SoldOutCheck check;
  check.user_id = user_id;
  check.key = idempotency_key;
  check.short_type = *verdict.short_type;
  check.refresh = std::move(verdict.refresh);
  check.done = [done = std::move(done)](std::optional<std::int64_t> short_type) {
    done(short_type ? std::make_exception_ptr(sold_out(*short_type)) : nullptr);
  };
  if (!sold_out_lane_.submit(check)) {
    estimate_.unclaim(check.refresh);
    return false;
  }
  return true;
}

void BookingService::decide_sold_out(std::vector<SoldOutCheck>& group) {
  std::vector<std::int64_t> refresh;
  std::vector<std::pair<std::int64_t, std::string>> keys;
  keys.reserve(group.size());
  for (const auto& check : group) {
    refresh.insert(refresh.end(), check.refresh.begin(), check.refresh.end());
    keys.emplace_back(check.user_id, check.key);
  }
  if (!refresh.empty()) {
    std::sort(refresh.begin(), refresh.end());
    refresh.erase(std::unique(refresh.begin(), refresh.end()), refresh.end());
    try {
      read_stock(refresh);
    } catch (...) {
      // Unclaimed by read_stock: the next request past half-life tries again.
    }
  }
  std::optional<std::set<std::pair<std::int64_t, std::string>>> live;
  try {
    live = db::with_connection(
        pool_, [&](db::Connection& conn) { return repo_.live_idempotency_keys(conn, keys); });
  } catch (...) {
    // Not checked: every request of the group books the usual way, which asks again.
  }
  counters_.sold_out_groups.fetch_add(1, std::memory_order_relaxed);
  for (auto& check : group) {
    const bool refuse = live && live->count({check.user_id, check.key}) == 0;
    if (refuse) {
      counters_.sold_out_known.fetch_add(1, std::memory_order_relaxed);
    }
    try {
      check.done(refuse ? std::optional(check.short_type) : std::nullopt);
    } catch (...) {
      // The caller's continuation must not throw; the lane's thread outlives a bad one.
    }
  }
}

void BookingService::notify_stock_changed(std::int64_t concert_id) const {
  if (on_stock_changed) {
    on_stock_changed(concert_id);
  }
}

PricedItems price_items(const BookingRequest& request,
                        const std::map<std::int64_t, TicketTypeRow>& types) {
  const auto type_of = [&](std::int64_t id) -> const TicketTypeRow* {
    const auto it = types.find(id);
    return it != types.end() && it->second.concert_id == request.concert_id ? &it->second : nullptr;
  };
  std::vector<core::FieldError> unknown;
  for (std::size_t i = 0; i < request.items.size(); ++i) {
    if (type_of(request.items[i].ticket_type_id) == nullptr) {
      unknown.push_back({"items[" + std::to_string(i) + "].ticket_type_id",
                         "is not a ticket type of this concert"});
    }
  }
  if (!unknown.empty()) {
    throw core::AppError(core::ProblemKind::unknown_ticket_type,
                         "Some items name a ticket type that this concert does not have.",
                         std::move(unknown));
  }
  PricedItems out;
  for (const auto& wanted : sorted_items(request)) {
    const auto& type = *type_of(wanted.ticket_type_id);
    out.items.push_back(
        {{wanted.ticket_type_id, wanted.quantity, type.price}, type.per_user_limit});
    std::int64_t line = 0;
    if (__builtin_mul_overflow(wanted.quantity, type.price, &line) ||
        __builtin_add_overflow(out.total, line, &out.total)) {
      throw core::AppError(core::ProblemKind::total_too_large,
                           "The booking total does not fit; book fewer tickets.");
    }
  }
  return out;
}

CreateResult BookingService::create(std::int64_t user_id, const std::string& idempotency_key,
                                    const BookingRequest& request, const RenderResponse& render) {
  if (const auto short_type = known_sold_out(user_id, idempotency_key, request)) {
    counters_.sold_out_known.fetch_add(1, std::memory_order_relaxed);
    throw sold_out(*short_type);
  }
  if (options_.write_mode == WriteMode::batched) {
    return create_batched(user_id, idempotency_key, request, render);
  }
  // Bounded admission: wait in line for one of max_in_flight slots, or 503 if the line is full.
  auto permit = admission_.enter();
  if (!permit) {
    counters_.busy.fetch_add(1, std::memory_order_relaxed);
    throw busy();
  }
  const auto fingerprint = request_fingerprint(request);
  CreateResult result;
  try {
    result = db::transaction(pool_, [&](db::Connection& conn) -> CreateResult {
      // Locks in the order of ADR 0009: user, key, concert (shared), ticket types (ascending),
      // day counter.
      repo_.lock_user(conn, user_id);
      if (auto saved = replay_or_forget_key(conn, user_id, idempotency_key, fingerprint)) {
        return {std::nullopt, std::move(*saved)};
      }
      check_concert_open(conn, request.concert_id);
      const auto priced = price(conn, request);
      check_per_user_limits(conn, user_id, priced);
      hold_stock(conn, priced);
      auto booking = insert_booking(conn, user_id, request.concert_id, priced);
      auto response = render(booking);
      repo_.insert_idempotency(conn, user_id, idempotency_key, fingerprint, response.status,
                               response.body);
      return {std::move(booking), std::move(response)};
    });
  } catch (const core::AppError& e) {
    if (e.kind() == core::ProblemKind::sold_out) {
      counters_.sold_out.fetch_add(1, std::memory_order_relaxed);
      if (estimate_.enabled()) {
        permit.reset();  // a plain read after the transaction needs no transaction slot
        try {
          read_stock(type_ids(request));  // so the next requests for it need no transaction
        } catch (const std::exception&) {
          // The answer stays sold out; the next request asks the database again.
        }
      }
    }
    throw;
  }
  if (result.replayed()) {
    counters_.replayed.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.created.fetch_add(1, std::memory_order_relaxed);
    notify_stock_changed(request.concert_id);
  }
  return result;
}

// Step 2. The customer's row lock (step 1) makes a duplicate that arrives while the first is
// in flight wait here for it, then replay its committed answer; a parallel request cannot
// pass the per-user limit beside it either. An expired key is forgotten and the request runs.
std::optional<SavedResponse> BookingService::replay_or_forget_key(
    db::Connection& conn, std::int64_t user_id, const std::string& idempotency_key,
    const std::string& fingerprint) const {
  const auto seen = repo_.find_idempotency(conn, user_id, idempotency_key);
  if (!seen) {
    return std::nullopt;
  }
  if (seen->expired) {
    repo_.delete_idempotency(conn, user_id, idempotency_key);
    return std::nullopt;
  }
  if (seen->request_hash != fingerprint) {
    throw core::AppError(core::ProblemKind::idempotency_key_reused,
                         "This Idempotency-Key was already used with a different request; use a "
                         "new key for a new booking.");
  }
  return SavedResponse{seen->response_status, seen->response_body};
}

// Step 3. The concert must be published and not yet started; the shared lock keeps an
// organizer's cancel from committing under the booking.
void BookingService::check_concert_open(db::Connection& conn, std::int64_t concert_id) const {
  const auto concert = repo_.concert_for_booking(conn, concert_id);
  if (!concert || concert->status == catalog::ConcertStatus::draft) {
    throw core::AppError::not_found("No published concert with this id.");
  }
  if (concert->status == catalog::ConcertStatus::cancelled) {
    throw core::AppError(core::ProblemKind::concert_cancelled,
                         "This concert was cancelled; it cannot be booked.");
  }
  if (concert->started) {
    throw core::AppError(core::ProblemKind::concert_started,
                         "This concert has already started; it cannot be booked.");
  }
}

// Step 4. Each ticket type is read once; the price comes from the DB, never from the client.
PricedItems BookingService::price(db::Connection& conn, const BookingRequest& request) const {
  return price_items(request, repo_.ticket_types(conn, type_ids(request)));
}

// Step 5. Per-user limits count the customer's paid and unexpired pending bookings.
void BookingService::check_per_user_limits(db::Connection& conn, std::int64_t user_id,
                                           const PricedItems& priced) const {
  for (const auto& [item, limit] : priced.items) {
    if (!limit) {
      continue;
    }
    const auto held = repo_.held_by_user(conn, user_id, item.ticket_type_id);
    if (held + item.quantity > *limit) {
      throw core::AppError(core::ProblemKind::per_user_limit,
                           "Ticket type " + std::to_string(item.ticket_type_id) + " allows " +
                               std::to_string(*limit) + " per customer; you already hold " +
                               std::to_string(held) + ".");
    }
  }
}

// Step 6. One conditional update per item, in ticket-type order: the row lock decides two
// buyers of the last seat one after the other, and the second one's update matches no row.
void BookingService::hold_stock(db::Connection& conn, const PricedItems& priced) const {
  for (const auto& line : priced.items) {
    if (!repo_.take_stock(conn, line.item.ticket_type_id, line.item.quantity)) {
      throw sold_out(line.item.ticket_type_id);
    }
  }
}

// Steps 7 and 8. The booking code as late as possible, since the day's counter row stays
// locked until commit (ADR 0007); then the booking and its items, read back as stored.
Booking BookingService::insert_booking(db::Connection& conn, std::int64_t user_id,
                                       std::int64_t concert_id, const PricedItems& priced) const {
  const auto day = core::business_day(std::chrono::system_clock::now());
  const auto iso_day = core::format_iso(day);
  const auto number = repo_.next_day_number(conn, iso_day);
  const auto booking_id =
      repo_.insert_booking(conn, format_code(day, number), iso_day, number, user_id, concert_id,
                           priced.total, static_cast<long>(options_.hold.count()));
  for (const auto& line : priced.items) {
    repo_.insert_item(conn, booking_id, line.item);
  }
  auto booking = repo_.find_by_id(conn, booking_id);
  if (!booking) {
    throw std::runtime_error("booking vanished after insert");
  }
  return std::move(*booking);
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

BookingState BookingService::state(const std::string& code, const identity::Principal& caller) {
  get(code, caller);  // 404 for a missing booking and for someone else's
  auto found = states({code});
  if (found.empty()) {
    throw core::AppError::not_found("No booking with this code.");
  }
  return std::move(found.front());
}

std::vector<BookingState> BookingService::states(const std::vector<std::string>& codes) {
  if (codes.empty()) {
    return {};
  }
  return db::with_connection(pool_,
                             [&](db::Connection& conn) { return repo_.states_of(conn, codes); });
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
      throw core::AppError(core::ProblemKind::booking_not_cancellable,
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
  stock_returned(booking.concert_id);
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
        stock_returned(concert_id);
      }
    }
    expired += this_batch;
    counters_.expired.fetch_add(this_batch, std::memory_order_relaxed);
    if (ids.size() < kExpiryBatch) {
      break;
    }
  }
  return expired;
}

std::uint64_t BookingService::purge_idempotency_keys() {
  return db::with_connection(pool_, [&](db::Connection& conn) {
    std::uint64_t total = 0;
    unsigned purged = kPurgeBatch;
    while (purged == kPurgeBatch) {
      purged = repo_.purge_idempotency(conn, kPurgeBatch);
      total += purged;
    }
    return total;
  });
}

// --- Payments (ADR 0013).

PayableBooking BookingService::lock_for_payment(db::Connection& conn, const std::string& code,
                                                const identity::Principal& caller) const {
  if (!looks_like_code(code)) {
    throw core::AppError::not_found("No booking with this code.");
  }
  auto found = repo_.find_by_code(conn, code, true);
  if (!found || found->user_id != caller.user_id) {
    throw core::AppError::not_found("No booking with this code.");
  }
  const auto clock = repo_.hold_clock(conn, found->id);
  return {std::move(*found), clock};
}

Booking BookingService::lock_by_id(db::Connection& conn, std::int64_t id) const {
  auto found = repo_.find_by_id(conn, id, true);
  if (!found) {
    throw std::runtime_error("payment names a booking that does not exist");
  }
  return std::move(*found);
}

void BookingService::issue_tickets(db::Connection& conn, const Booking& booking) const {
  unsigned seq = 0;
  for (const auto& item : booking.items) {
    for (std::int64_t i = 0; i < item.quantity; ++i) {
      repo_.insert_ticket(conn, make_ticket_code(), booking.id, item.ticket_type_id, ++seq);
    }
  }
}

SettleOutcome BookingService::settle(db::Connection& conn, const Booking& locked) {
  switch (locked.status) {
    case Status::paid:
      return SettleOutcome::already_paid;
    case Status::pending_payment:
      // The seats are still held (the hold may be overdue, but the expiry has not run): the
      // booking row is locked, so the expiry waits for this commit and then matches nothing.
      if (!repo_.mark_paid(conn, locked.id, Status::pending_payment)) {
        throw std::runtime_error("locked booking changed under its lock");
      }
      issue_tickets(conn, locked);
      return SettleOutcome::paid;
    case Status::expired:
    case Status::cancelled:
      break;
  }
  // The hold ended first and its stock went back: take it again, all or nothing, in the
  // booking's ticket-type order (the lock order every booking uses).
  std::vector<const Item*> taken;
  for (const auto& item : locked.items) {
    if (!repo_.take_stock(conn, item.ticket_type_id, item.quantity)) {
      for (const auto* back : taken) {
        repo_.return_stock(conn, back->ticket_type_id, back->quantity);
      }
      return SettleOutcome::seats_gone;
    }
    taken.push_back(&item);
  }
  if (!repo_.mark_paid(conn, locked.id, locked.status)) {
    throw std::runtime_error("locked booking changed under its lock");
  }
  issue_tickets(conn, locked);
  return SettleOutcome::paid_late;
}

void BookingService::settled(SettleOutcome outcome, const Booking& booking) {
  switch (outcome) {
    case SettleOutcome::paid:
      counters_.paid.fetch_add(1, std::memory_order_relaxed);
      break;
    case SettleOutcome::paid_late:
      counters_.paid_late.fetch_add(1, std::memory_order_relaxed);
      notify_stock_changed(booking.concert_id);
      break;
    case SettleOutcome::already_paid:
    case SettleOutcome::seats_gone:
      break;
  }
}

std::vector<Ticket> BookingService::tickets(const std::string& code,
                                            const identity::Principal& caller) {
  const auto booking = get(code, caller);
  return db::with_connection(
      pool_, [&](db::Connection& conn) { return repo_.tickets_of(conn, booking.id); });
}

Ticket BookingService::check_in(const std::string& ticket_code, const identity::Principal& caller) {
  if (!looks_like_ticket_code(ticket_code)) {
    throw core::AppError::not_found("No ticket with this code.");
  }
  auto ticket = db::with_connection(pool_, [&](db::Connection& conn) {
    auto row = repo_.find_ticket(conn, ticket_code);
    // Another organizer's ticket is indistinguishable from one that does not exist.
    if (!row || (!caller.is_admin() && row->organizer_id != caller.user_id)) {
      throw core::AppError::not_found("No ticket with this code.");
    }
    // The conditional update admits it exactly once, however many scanners race.
    if (!repo_.check_in(conn, row->ticket.id, caller.user_id)) {
      const auto now = repo_.find_ticket(conn, ticket_code);
      throw core::AppError(core::ProblemKind::ticket_already_used,
                           "This ticket was already admitted at " +
                               now->ticket.checked_in_at.value_or("an earlier scan") + ".");
    }
    return repo_.find_ticket(conn, ticket_code)->ticket;
  });
  counters_.checked_in.fetch_add(1, std::memory_order_relaxed);
  return ticket;
}

}  // namespace tiket::booking

// -----------------------------------------------------------------------------------------------
// Group commit (BOOKING_WRITE_MODE=batched, ADR 0018)

namespace tiket::booking {

// One request waiting in its concert's queue; its thread waits until `done`.
struct BookingService::BatchItem {
  std::int64_t user_id = 0;
  const std::string* key = nullptr;
  const BookingRequest* request = nullptr;
  const RenderResponse* render = nullptr;
  std::string fingerprint;
  // The outcome, set by the batch that decided it.
  std::optional<CreateResult> result;
  std::exception_ptr error;
  bool done = false;
  // Woken (under the queue's mutex) when this request's batch is decided, or when it is first
  // in line and no thread leads a batch. One wake per request, never the whole queue's.
  std::condition_variable wake;
};

// The requests of one concert waiting for a batch, and whether a thread is leading one.
struct BookingService::ConcertQueue {
  std::mutex mutex;
  std::condition_variable filled;  // the gathering leader's wake: batch_max requests are waiting
  std::deque<BatchItem*> pending;
  bool leading = false;
  bool gathering = false;
};

std::shared_ptr<BookingService::ConcertQueue> BookingService::queue_for(std::int64_t concert_id) {
  const std::lock_guard lock(queues_mutex_);
  auto& queue = queues_[concert_id];
  if (!queue) {
    queue = std::make_shared<ConcertQueue>();
  }
  return queue;
}

// Leader and followers: the request joins its concert's queue; while no thread leads a batch,
// one of the waiting threads takes up to batch_max requests (in arrival order) and commits
// them; the others wait. Requests that arrive during a commit form the next batch, so batches
// grow with the load by themselves.
CreateResult BookingService::create_batched(std::int64_t user_id,
                                            const std::string& idempotency_key,
                                            const BookingRequest& request,
                                            const RenderResponse& render) {
  BatchItem me;
  me.user_id = user_id;
  me.key = &idempotency_key;
  me.request = &request;
  me.render = &render;
  me.fingerprint = request_fingerprint(request);
  const auto queue = queue_for(request.concert_id);
  std::unique_lock lock(queue->mutex);
  queue->pending.push_back(&me);
  if (queue->gathering && queue->pending.size() >= options_.batch_max) {
    queue->filled.notify_one();
  }
  while (!me.done) {
    if (queue->leading) {
      me.wake.wait(lock);  // until decided, or first in line with no leader; may wake early
      continue;
    }
    queue->leading = true;
    if (options_.batch_gather.count() > 0) {
      queue->gathering = true;
      queue->filled.wait_for(lock, options_.batch_gather,
                             [&] { return queue->pending.size() >= options_.batch_max; });
      queue->gathering = false;
    }
    std::vector<BatchItem*> batch;
    while (!queue->pending.empty() && batch.size() < options_.batch_max) {
      batch.push_back(queue->pending.front());
      queue->pending.pop_front();
    }
    lock.unlock();
    run_batch(batch);
    lock.lock();
    for (auto* item : batch) {
      item->done = true;
      item->wake.notify_one();
    }
    queue->leading = false;
    if (me.done && !queue->pending.empty()) {
      queue->pending.front()->wake.notify_one();  // the first in line leads the next batch
    }
    // Not decided yet (the batch was full before this request): this thread leads again.
  }
  lock.unlock();
  if (me.error) {
    std::rethrow_exception(me.error);
  }
  return std::move(*me.result);
}

void BookingService::run_batch(const std::vector<BatchItem*>& batch) {
  if (batch.empty()) {
    return;
  }
  try {
    commit_batch(batch);
  } catch (...) {
    if (batch.size() == 1) {
      batch.front()->error = std::current_exception();
      return;
    }
    counters_.batch_splits.fetch_add(1, std::memory_order_relaxed);
    const auto half = static_cast<std::ptrdiff_t>(batch.size() / 2);
    run_batch({batch.begin(), batch.begin() + half});
    run_batch({batch.begin() + half, batch.end()});
  }
}

namespace {

// What the batch decided for one request, inside its transaction.
struct Decision {
  enum class Kind { undecided, replay, error, accepted } kind = Kind::undecided;
  std::optional<SavedResponse> saved;  // replay: the stored answer
  std::exception_ptr error;            // error: the request's own answer (4xx)
  std::optional<std::size_t> same_as;  // an earlier request of the batch with the same key
  PricedItems priced;                  // accepted
  std::size_t booking_index = 0;       // accepted: its place among the inserted bookings
};

template <typename F>
std::exception_ptr caught(F&& f) {
  try {
    f();
  } catch (const core::AppError&) {
    return std::current_exception();
  }
  return nullptr;
}

}  // namespace

// One transaction for the whole batch, in the lock order of ADR 0009: the customers (ascending
// id), their keys, the concert (shared), the ticket types (ascending), the day counter. Each
// request is checked as create() checks it, in arrival order, against what the requests before
// it in the batch took; the stock is updated once per type and the counter once per batch.
void BookingService::commit_batch(const std::vector<BatchItem*>& batch) {
  const auto concert_id = batch.front()->request->concert_id;
  std::vector<std::optional<Booking>> bookings;
  std::vector<SavedResponse> responses;
  auto decisions = db::transaction(pool_, [&](db::Connection& conn) {
    std::vector<Decision> out(batch.size());
    bookings.clear();
    responses.clear();
    std::vector<std::int64_t> users;
    users.reserve(batch.size());
    for (const auto* item : batch) {
      users.push_back(item->user_id);
    }
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    repo_.lock_users(conn, users);

    // Idempotency-Keys, in arrival order. A key repeated inside the batch is decided by its
    // first request (below, once that one is decided).
    const auto look_up_key = [&](std::size_t i) {
      const auto* item = batch[i];
      out[i].error = caught([&] {
        if (auto saved = replay_or_forget_key(conn, item->user_id, *item->key, item->fingerprint)) {
          out[i].kind = Decision::Kind::replay;
          out[i].saved = std::move(saved);
        }
      });
      if (out[i].error) {
        out[i].kind = Decision::Kind::error;
      }
    };
    std::map<std::pair<std::int64_t, std::string>, std::size_t> first_with_key;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto [it, fresh] = first_with_key.try_emplace({batch[i]->user_id, *batch[i]->key}, i);
      if (fresh) {
        look_up_key(i);
      } else {
        out[i].same_as = it->second;
      }
    }

    const auto concert_error = caught([&] { check_concert_open(conn, concert_id); });
    std::vector<std::int64_t> type_list;
    for (const auto* item : batch) {
      for (const auto& wanted : item->request->items) {
        type_list.push_back(wanted.ticket_type_id);
      }
    }
    std::sort(type_list.begin(), type_list.end());
    type_list.erase(std::unique(type_list.begin(), type_list.end()), type_list.end());
    const auto types = repo_.ticket_types(conn, type_list);
    auto left = repo_.lock_stock(conn, type_list);
    std::map<std::int64_t, std::int64_t> taken;                             // by type
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> holding;  // by (user, type)

    const auto decide = [&](std::size_t i) {
      const auto* item = batch[i];
      auto& d = out[i];
      if (concert_error) {
        d.kind = Decision::Kind::error;
        d.error = concert_error;
        return;
      }
      d.error = caught([&] {
        d.priced = price_items(*item->request, types);
        for (const auto& [line, limit] : d.priced.items) {
          if (!limit) {
            continue;
          }
          const auto held = repo_.held_by_user(conn, item->user_id, line.ticket_type_id) +
                            holding[{item->user_id, line.ticket_type_id}];
          if (held + line.quantity > *limit) {
            throw core::AppError(core::ProblemKind::per_user_limit,
                                 "Ticket type " + std::to_string(line.ticket_type_id) + " allows " +
                                     std::to_string(*limit) + " per customer; you already hold " +
                                     std::to_string(held) + ".");
          }
        }
        for (const auto& line : d.priced.items) {
          if (left[line.item.ticket_type_id] < line.item.quantity) {
            throw sold_out(line.item.ticket_type_id);
          }
        }
      });
      if (d.error) {
        d.kind = Decision::Kind::error;
        return;
      }
      for (const auto& line : d.priced.items) {
        left[line.item.ticket_type_id] -= line.item.quantity;
        taken[line.item.ticket_type_id] += line.item.quantity;
        holding[{item->user_id, line.item.ticket_type_id}] += line.item.quantity;
      }
      d.kind = Decision::Kind::accepted;
    };

    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& d = out[i];
      if (d.same_as) {
        const auto& first = out[*d.same_as];
        const bool stored =
            first.kind == Decision::Kind::replay || first.kind == Decision::Kind::accepted;
        if (stored && batch[*d.same_as]->fingerprint != batch[i]->fingerprint) {
          d.kind = Decision::Kind::error;
          d.error = std::make_exception_ptr(core::AppError(
              core::ProblemKind::idempotency_key_reused,
              "This Idempotency-Key was already used with a different request; use a new key "
              "for a new booking."));
        } else if (stored) {
          d.kind = Decision::Kind::replay;  // its answer is the first one's, filled in below
        } else if (batch[*d.same_as]->fingerprint == batch[i]->fingerprint) {
          d.kind = Decision::Kind::error;  // the same request, the same moment: the same answer
          d.error = first.error;
        } else {
          look_up_key(i);  // another request under a key whose first use failed: its own turn
          if (d.kind == Decision::Kind::undecided) {
            decide(i);
          }
        }
        continue;
      }
      if (d.kind == Decision::Kind::undecided) {
        decide(i);
      }
    }

    // The stock once per type; the counter once for the batch; the rows in multi-row inserts.
    for (const auto& [type, quantity] : taken) {
      if (!repo_.take_stock(conn, type, quantity)) {
        throw std::runtime_error("group commit: stock changed under its row lock");
      }
    }
    std::vector<NewBooking> rows;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (out[i].kind == Decision::Kind::accepted) {
        out[i].booking_index = rows.size();
        NewBooking row;
        row.user_id = batch[i]->user_id;
        row.concert_id = concert_id;
        row.total_amount = out[i].priced.total;
        for (const auto& line : out[i].priced.items) {
          row.items.push_back(line.item);
        }
        rows.push_back(std::move(row));
      }
    }
    if (!rows.empty()) {
      const auto day = core::business_day(std::chrono::system_clock::now());
      const auto iso_day = core::format_iso(day);
      const auto first =
          repo_.take_day_numbers(conn, iso_day, static_cast<std::uint32_t>(rows.size()));
      for (std::size_t n = 0; n < rows.size(); ++n) {
        rows[n].iso_day = iso_day;
        rows[n].number = first + static_cast<std::uint32_t>(n);
        rows[n].code = format_code(day, rows[n].number);
      }
      auto stored = repo_.insert_bookings(conn, rows, static_cast<long>(options_.hold.count()));
      std::vector<NewIdempotencyKey> keys;
      bookings.resize(rows.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (out[i].kind != Decision::Kind::accepted) {
          continue;
        }
        auto& booking = stored[out[i].booking_index];
        auto response = (*batch[i]->render)(booking);
        keys.push_back({batch[i]->user_id, *batch[i]->key, batch[i]->fingerprint, response.status,
                        response.body});
        out[i].saved = std::move(response);
        out[i].priced = {};
        bookings[out[i].booking_index] = std::move(booking);
      }
      repo_.insert_idempotency_keys(conn, keys);
    }
    return out;
  });

  // Committed: hand each thread its answer.
  for (auto& d : decisions) {  // a repeated key gets its first request's answer
    if (d.kind == Decision::Kind::replay && d.same_as && !d.saved) {
      d.saved = decisions[*d.same_as].saved;
    }
  }
  bool any_created = false;
  std::vector<std::int64_t> short_types;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto* item = batch[i];
    auto& d = decisions[i];
    switch (d.kind) {
      case Decision::Kind::accepted:
        item->result = CreateResult{std::move(bookings[d.booking_index]), std::move(*d.saved)};
        counters_.created.fetch_add(1, std::memory_order_relaxed);
        any_created = true;
        break;
      case Decision::Kind::replay:
        item->result = CreateResult{std::nullopt, std::move(*d.saved)};
        counters_.replayed.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        item->error = d.error;
        try {
          if (d.error) {
            std::rethrow_exception(d.error);
          }
        } catch (const core::AppError& e) {
          if (e.kind() == core::ProblemKind::sold_out) {
            counters_.sold_out.fetch_add(1, std::memory_order_relaxed);
            for (const auto& wanted : item->request->items) {
              short_types.push_back(wanted.ticket_type_id);
            }
          }
        }
        break;
    }
  }
  counters_.batches.fetch_add(1, std::memory_order_relaxed);
  counters_.batched.fetch_add(batch.size(), std::memory_order_relaxed);
  // Nothing after the commit may fail the batch: run_batch would split it and commit its
  // requests a second time.
  try {
    if (any_created) {
      notify_stock_changed(concert_id);
    }
    if (!short_types.empty() && estimate_.enabled()) {
      std::sort(short_types.begin(), short_types.end());
      short_types.erase(std::unique(short_types.begin(), short_types.end()), short_types.end());
      read_stock(short_types);
    }
  } catch (const std::exception&) {
    // The answers stand: the cache entry ages out, the next request asks the database again.
  }
}

}  // namespace tiket::booking
