#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "booking/admission.hpp"
#include "booking/booking.hpp"
#include "booking/repository.hpp"
#include "booking/sold_out_lane.hpp"
#include "booking/stock_estimate.hpp"
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

// The first answer to a booking request, kept with its Idempotency-Key and replayed as-is to
// a retry. Opaque to the service: the routes render it and read it back.
struct SavedResponse {
  int status = 0;
  std::string body;
};

// Renders the answer to keep for a new booking. Called inside the booking's transaction, so
// the booking and its saved answer commit together.
using RenderResponse = std::function<SavedResponse(const Booking&)>;

struct CreateResult {
  std::optional<Booking> booking;  // made by this request; nullopt when it is a replay
  SavedResponse response;          // the answer: rendered just now, or the saved one replayed
  bool replayed() const { return !booking.has_value(); }
};

// One item of a booking being made: its price and limit come from the database (step 4).
struct PricedItem {
  Item item;
  std::optional<std::int64_t> per_user_limit;
};

struct PricedItems {
  std::vector<PricedItem> items;  // in ticket-type order: the order the stock is locked in
  std::int64_t total = 0;
};

struct BookingPage {
  std::vector<Booking> items;
  std::optional<std::string> next_cursor;
};

// How bookings are written (ADR 0018). single: one transaction per request. batched: the
// requests of one concert that arrive while a batch commits are committed together, as one
// transaction (group commit), by whichever of their threads leads the next batch.
enum class WriteMode { single, batched };

struct BookingOptions {
  std::chrono::minutes hold{15};
  // How long a stock reading may turn bookings away without a transaction (the sold-out
  // shortcut, ADR 0018); zero turns the shortcut off.
  std::chrono::milliseconds stock_estimate{1000};
  WriteMode write_mode = WriteMode::single;
  std::size_t batch_max = 64;  // requests per group commit
  // How long a batch's leader waits for it to fill up to batch_max before committing what it
  // has (0: commit at once what has queued while the previous batch committed).
  std::chrono::milliseconds batch_gather{0};
  // Bounded admission (single mode): at most max_in_flight booking transactions at once (0: no
  // bound), the rest in a FIFO line of at most max_waiting; beyond it, 503 with Retry-After.
  std::size_t max_in_flight = 8;
  std::size_t max_waiting = 256;
};

// Counters for /metrics; plain atomics so the service needs no metrics library.
struct BookingCounters {
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> sold_out{0};        // the database's conditional update said no
  std::atomic<std::uint64_t> sold_out_known{0};  // the stock estimate said no: no transaction
  std::atomic<std::uint64_t> cancelled{0};
  std::atomic<std::uint64_t> expired{0};
  std::atomic<std::uint64_t> paid{0};
  std::atomic<std::uint64_t> paid_late{0};  // paid after the hold ended, seats taken back
  std::atomic<std::uint64_t> checked_in{0};
  std::atomic<std::uint64_t> batches{0};       // group commits that committed
  std::atomic<std::uint64_t> batched{0};       // requests decided in them
  std::atomic<std::uint64_t> batch_splits{0};  // failed group commits split in two and retried
  std::atomic<std::uint64_t> busy{0};          // turned away with 503: the admission line was full
  std::atomic<std::uint64_t> sold_out_groups{0};  // sold-out lane reads (one per group)
};

// A booking locked for a payment (ADR 0013), with the database's clock.
struct PayableBooking {
  Booking booking;
  HoldClock clock;
};

// What settle() did with a payment the gateway confirmed.
enum class SettleOutcome {
  paid,          // was pending_payment: now paid, tickets issued
  paid_late,     // had expired or was cancelled; its seats were free again: taken back, paid
  already_paid,  // nothing changed (the money is a second payment)
  seats_gone,    // had expired or was cancelled and its seats were resold: nothing changed
};

// The booking rules. Blocking (DB): call from worker threads.
class BookingService {
 public:
  BookingService(db::Pool& pool, BookingOptions options);

  // One transaction (ADR 0009): lock the customer, check the Idempotency-Key, check the
  // concert, price the items from the DB, check per-user limits, hold the stock with
  // conditional updates (sorted by ticket type, so two bookings never wait on each other in
  // opposite orders), take the booking code, insert, keep `render(booking)` under the key,
  // commit. A key seen before with the same request returns its saved response instead.
  // Errors (core::ProblemKind): not_found for an unknown or unpublished concert;
  // unknown_ticket_type, concert_cancelled, concert_started, total_too_large, per_user_limit,
  // idempotency_key_reused; sold_out when the stock is short (nothing is held).
  // Before the transaction, the sold-out shortcut: when this replica read, less than
  // `stock_estimate` ago, that an item's type has fewer seats left than asked for, the answer
  // is sold_out without a transaction, unless the key has a saved answer to replay (a plain
  // point read). A request over a type's per-user limit, or for a concert that is not open,
  // always gets the database's own answer.
  CreateResult create(std::int64_t user_id, const std::string& idempotency_key,
                      const BookingRequest& request, const RenderResponse& render);

  // The sold-out shortcut without a worker thread, for a caller that can answer later (ADR
  // 0018). When the stock estimate already refuses the request, its one remaining check (that
  // the key has no saved answer to replay) joins the sold-out lane, which checks every waiting
  // request with one read, and this returns true; `done` is then called once, on the lane's
  // thread, with the sold_out error to answer, or with nullptr: book with create() after all
  // (a saved answer, which create() replays, or the check could not be made). False, and `done`
  // never called, when the estimate cannot say no now or the lane is full. Never throws.
  bool refuse_if_known_sold_out(std::int64_t user_id, const std::string& idempotency_key,
                                const BookingRequest& request,
                                std::function<void(std::exception_ptr)> done);

  // Owner or admin; anyone else gets not_found, as for a code that does not exist.
  Booking get(const std::string& code, const identity::Principal& caller);

  // The state of one booking for its owner or an admin (404 otherwise, like get()).
  BookingState state(const std::string& code, const identity::Principal& caller);
  // The states of many bookings in one query, without an access check: for the status
  // stream's poller, which only asks for bookings whose watchers were checked by state().
  std::vector<BookingState> states(const std::vector<std::string>& codes);

  // Own bookings, newest first; an admin sees everyone's and may filter by user.
  BookingPage list(const identity::Principal& caller, BookingFilter filter,
                   const std::optional<std::string>& cursor);

  // Owner or admin, only while pending_payment (booking_not_cancellable otherwise). The stock
  // comes back exactly once: the status change and the stock return are one transaction, and
  // only the caller whose conditional update moved the booking out of pending_payment
  // returns it.
  Booking cancel(const std::string& code, const identity::Principal& caller);

  // Expires every overdue hold (in batches) and returns its stock exactly once. Safe to run
  // concurrently with itself and with cancels. Returns the number of bookings this call expired.
  unsigned expire_overdue();

  // Deletes Idempotency-Keys past their 24 h (the purge job); returns how many.
  std::uint64_t purge_idempotency_keys();

  // --- Payments (ADR 0013). These run inside the payment module's transaction, on its
  // connection, and lock in the shared order: the booking row first.

  // The caller's own booking, locked (FOR UPDATE), with the DB clock. not_found for a code
  // that does not exist or belongs to someone else (an admin is no exception: only the
  // customer pays).
  PayableBooking lock_for_payment(db::Connection& conn, const std::string& code,
                                  const identity::Principal& caller) const;
  // The booking with this id, locked (FOR UPDATE).
  Booking lock_by_id(db::Connection& conn, std::int64_t id) const;
  // The gateway says the money for `locked` (locked by this transaction) is in: mark it paid
  // and issue one ticket per seat, in the same transaction. A booking whose hold already
  // ended gets its seats back with the same conditional stock update a booking uses, all or
  // nothing; if they were resold it stays as it is (never oversell to honour a late payment).
  SettleOutcome settle(db::Connection& conn, const Booking& locked);
  // After the payment's transaction committed: tell the cache when settle() moved stock.
  void settled(SettleOutcome outcome, const Booking& booking);

  // --- E-tickets.

  // Owner or admin (not_found otherwise), in seat order; empty until the booking is paid.
  std::vector<Ticket> tickets(const std::string& code, const identity::Principal& caller);
  // Admits the ticket exactly once. The concert's organizer or an admin; anyone else, or an
  // unknown code, gets not_found. A second scan: ticket_already_used, saying when.
  Ticket check_in(const std::string& ticket_code, const identity::Principal& caller);

  // Called after stock changed for a concert (the catalog drops its cached copy).
  std::function<void(std::int64_t concert_id)> on_stock_changed;

  const BookingCounters& counters() const { return counters_; }
  // Bounded admission, now: booking transactions running, and requests in line for one.
  std::size_t transactions_in_flight() const { return admission_.in_flight(); }
  std::size_t transactions_waiting() const { return admission_.waiting(); }

 private:
  // The steps of create(), in lock order; each runs inside its transaction.
  std::optional<SavedResponse> replay_or_forget_key(db::Connection& conn, std::int64_t user_id,
                                                    const std::string& idempotency_key,
                                                    const std::string& fingerprint) const;
  void check_concert_open(db::Connection& conn, std::int64_t concert_id) const;
  PricedItems price(db::Connection& conn, const BookingRequest& request) const;
  void check_per_user_limits(db::Connection& conn, std::int64_t user_id,
                             const PricedItems& priced) const;
  void hold_stock(db::Connection& conn, const PricedItems& priced) const;
  Booking insert_booking(db::Connection& conn, std::int64_t user_id, std::int64_t concert_id,
                         const PricedItems& priced) const;
  void notify_stock_changed(std::int64_t concert_id) const;
  void stock_returned(std::int64_t concert_id);

  // Group commit (WriteMode::batched).
  struct BatchItem;
  struct ConcertQueue;
  CreateResult create_batched(std::int64_t user_id, const std::string& idempotency_key,
                              const BookingRequest& request, const RenderResponse& render);
  std::shared_ptr<ConcertQueue> queue_for(std::int64_t concert_id);
  // Decides every item of the batch (a result or an error each); never throws. A transaction
  // that fails is split in two halves, each retried, so one bad request sinks no other.
  void run_batch(const std::vector<BatchItem*>& batch);
  void commit_batch(const std::vector<BatchItem*>& batch);
  // The sold-out shortcut: the type the estimate knows is short, or nullopt (ask the DB).
  std::optional<std::int64_t> known_sold_out(std::int64_t user_id,
                                             const std::string& idempotency_key,
                                             const BookingRequest& request);
  // Reads the stock of these types (no transaction) into the estimate.
  void read_stock(const std::vector<std::int64_t>& ticket_type_ids);
  // The sold-out lane's work: refresh what the group claimed, read its keys, answer each.
  void decide_sold_out(std::vector<SoldOutCheck>& group);
  void issue_tickets(db::Connection& conn, const Booking& booking) const;

  db::Pool& pool_;
  BookingOptions options_;
  BookingRepository repo_;
  BookingCounters counters_;
  StockEstimate estimate_;
  AdmissionGate admission_;
  std::mutex queues_mutex_;
  std::map<std::int64_t, std::shared_ptr<ConcertQueue>> queues_;
  SoldOutLane sold_out_lane_;  // last: its thread uses everything above
};

// The request in a canonical form (items sorted), hashed for Idempotency-Key comparison.
std::string request_fingerprint(const BookingRequest& request);

// Step 4 without the database: every item must name one of `types` that belongs to the
// concert (otherwise unknown_ticket_type, with one field error per such item, by its index in
// the request); each is priced from its type. total_too_large when the total does not fit.
PricedItems price_items(const BookingRequest& request,
                        const std::map<std::int64_t, TicketTypeRow>& types);

std::string encode_cursor(std::int64_t last_id);
std::int64_t decode_cursor(const std::string& cursor);  // AppError bad_request when malformed

}  // namespace tiket::booking
