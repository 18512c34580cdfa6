#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "booking/booking.hpp"
#include "booking/stock_estimate.hpp"
#include "booking/ticket.hpp"
#include "catalog/concert.hpp"
#include "db/pool.hpp"

namespace sql {
class PreparedStatement;
}

namespace tiket::booking {

struct TicketTypeRow {
  std::int64_t id = 0;
  std::int64_t concert_id = 0;
  std::int64_t price = 0;
  std::optional<std::int64_t> per_user_limit;
};

struct ConcertRow {
  std::int64_t id = 0;
  catalog::ConcertStatus status = catalog::ConcertStatus::draft;
  bool started = false;  // starts_at is in the past
};

struct IdempotencyRow {
  std::string request_hash;
  int response_status = 0;
  std::string response_body;
  bool expired = false;
};

// The clock a payment needs, read from the database (the one clock every replica shares).
struct HoldClock {
  std::int64_t seconds_left = 0;  // until expires_at; negative once it has passed
  std::string now_utc;            // "YYYY-MM-DD HH:MM:SS"
};

struct TicketRow {
  Ticket ticket;
  std::int64_t organizer_id = 0;
};

struct BookingFilter {
  std::optional<std::int64_t> user_id;
  std::optional<Status> status;
  std::optional<std::int64_t> concert_id;
  std::int64_t before_id = 0;  // keyset cursor, newest first; 0 = from the newest
  unsigned limit = 20;
};

// A booking of a group commit, before it is inserted (ADR 0018).
struct NewBooking {
  std::string code;
  std::string iso_day;
  std::uint32_t number = 0;
  std::int64_t user_id = 0;
  std::int64_t concert_id = 0;
  std::int64_t total_amount = 0;
  std::vector<Item> items;
};

// An answer to keep under an Idempotency-Key, in a group commit.
struct NewIdempotencyKey {
  std::int64_t user_id = 0;
  std::string key;
  std::string request_hash;
  int status = 0;
  std::string body;
};

// SQL for bookings, their items, the day counter and idempotency keys, and nothing else. The
// catalog tables are touched only where a booking must lock or change them (stock).
class BookingRepository {
 public:
  // Serialises one customer's bookings: the per-user limit and Idempotency-Key checks that
  // follow are then decided one request at a time.
  void lock_user(db::Connection& conn, std::int64_t user_id) const;

  // Locks these customers (distinct, ascending) in one statement, in id order.
  void lock_users(db::Connection& conn, const std::vector<std::int64_t>& user_ids) const;

  // A locking read: sees the latest committed row.
  std::optional<IdempotencyRow> find_idempotency(db::Connection& conn, std::int64_t user_id,
                                                 const std::string& key) const;
  void delete_idempotency(db::Connection& conn, std::int64_t user_id, const std::string& key) const;
  void insert_idempotency(db::Connection& conn, std::int64_t user_id, const std::string& key,
                          const std::string& request_hash, int status,
                          const std::string& body) const;
  unsigned purge_idempotency(db::Connection& conn, unsigned limit) const;

  // LOCK IN SHARE MODE: an organizer cannot cancel the concert under a booking in flight.
  std::optional<ConcertRow> concert_for_booking(db::Connection& conn,
                                                std::int64_t concert_id) const;
  // The ticket types with these ids (distinct) that exist, by id, in one statement.
  std::map<std::int64_t, TicketTypeRow> ticket_types(db::Connection& conn,
                                                     const std::vector<std::int64_t>& ids) const;
  // Seats of `ticket_type_id` the user holds in paid or unexpired pending bookings.
  std::int64_t held_by_user(db::Connection& conn, std::int64_t user_id,
                            std::int64_t ticket_type_id) const;

  // The stock of these ticket types as committed, without locks, with whether their concert is
  // open for booking (published, not started). For the sold-out shortcut.
  std::vector<StockReading> stock_readings(db::Connection& conn,
                                           const std::vector<std::int64_t>& ids) const;
  // Whether the user has an unexpired Idempotency-Key `key` (a plain read, no lock).
  bool has_live_idempotency_key(db::Connection& conn, std::int64_t user_id,
                                const std::string& key) const;
  // The same for many (user, key) pairs at once: those that have one. A few statements of
  // up to kMaxKeyPairs pairs each, padded to 1, 2, 4, ... pairs so that few texts get prepared.
  static constexpr std::size_t kMaxKeyPairs = 64;
  std::set<std::pair<std::int64_t, std::string>> live_idempotency_keys(
      db::Connection& conn, const std::vector<std::pair<std::int64_t, std::string>>& keys) const;

  // Locks these ticket types' stock rows (FOR UPDATE, ascending id) and reads what is left.
  std::map<std::int64_t, std::int64_t> lock_stock(db::Connection& conn,
                                                  const std::vector<std::int64_t>& ids) const;

  // The conditional update: false (and nothing changed) when fewer than `quantity` are left.
  bool take_stock(db::Connection& conn, std::int64_t ticket_type_id, std::int64_t quantity) const;
  void return_stock(db::Connection& conn, std::int64_t ticket_type_id, std::int64_t quantity) const;

  // The next running number of `iso_day` (YYYY-MM-DD). Locks that day's counter row until
  // the transaction ends, so a rollback gives the number back.
  std::uint32_t next_day_number(db::Connection& conn, const std::string& iso_day) const;
  // The first of `count` consecutive running numbers of `iso_day`, in one update of the row.
  std::uint32_t take_day_numbers(db::Connection& conn, const std::string& iso_day,
                                 std::uint32_t count) const;
  // Inserts the bookings and their items with multi-row statements (chunks of 64, 32, ..., 1
  // rows, so a connection prepares few statement texts) and returns them as stored, in order.
  std::vector<Booking> insert_bookings(db::Connection& conn, const std::vector<NewBooking>& rows,
                                       long hold_minutes) const;
  void insert_idempotency_keys(db::Connection& conn,
                               const std::vector<NewIdempotencyKey>& rows) const;

  std::int64_t insert_booking(db::Connection& conn, const std::string& code,
                              const std::string& iso_day, std::uint32_t number,
                              std::int64_t user_id, std::int64_t concert_id,
                              std::int64_t total_amount, long hold_minutes) const;
  void insert_item(db::Connection& conn, std::int64_t booking_id, const Item& item) const;

  std::optional<Booking> find_by_code(db::Connection& conn, const std::string& code,
                                      bool for_update) const;
  std::optional<Booking> find_by_id(db::Connection& conn, std::int64_t id,
                                    bool for_update = false) const;
  std::vector<Booking> list(db::Connection& conn, const BookingFilter& filter) const;
  // The state of each booking in `codes` that exists (distinct codes), by the unique code
  // index; at most 128 codes per statement, each chunk padded to a power of two.
  std::vector<BookingState> states_of(db::Connection& conn,
                                      const std::vector<std::string>& codes) const;

  // pending_payment → `to`, only if still pending (and, for expiry, only if overdue).
  // Returns whether this call made the change: the caller that did returns the stock.
  bool leave_pending(db::Connection& conn, std::int64_t id, Status to, bool only_if_overdue) const;
  std::vector<std::int64_t> overdue_ids(db::Connection& conn, unsigned limit) const;

  // Payments and e-tickets (ADR 0013).
  HoldClock hold_clock(db::Connection& conn, std::int64_t id) const;
  // `from` → paid, only if the booking is still `from`. Returns whether this call changed it.
  bool mark_paid(db::Connection& conn, std::int64_t id, Status from) const;
  void insert_ticket(db::Connection& conn, const std::string& code, std::int64_t booking_id,
                     std::int64_t ticket_type_id, unsigned seq) const;
  std::vector<Ticket> tickets_of(db::Connection& conn, std::int64_t booking_id) const;
  // A plain read: the ticket, its concert's organizer, and when it was admitted.
  std::optional<TicketRow> find_ticket(db::Connection& conn, const std::string& code) const;
  // Admits the ticket only if it was not admitted yet: true for exactly one caller.
  bool check_in(db::Connection& conn, std::int64_t ticket_id, std::int64_t by_user) const;

 private:
  std::optional<Booking> first_with_items(db::Connection& conn, sql::PreparedStatement& stmt) const;
  void load_items(db::Connection& conn, std::vector<Booking>& bookings) const;
};

}  // namespace tiket::booking
