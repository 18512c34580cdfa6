#include "booking/repository.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace tiket::booking {

namespace {

// Times are DATETIME(6) in UTC (the pool sets time_zone '+00:00').
constexpr const char* kColumns =
    "b.id, b.code, b.status, b.user_id, b.concert_id, b.total_amount, "
    "DATE_FORMAT(b.expires_at, '%Y-%m-%dT%H:%i:%sZ') AS expires_at, "
    "DATE_FORMAT(b.created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at";

Booking read_booking(sql::ResultSet& rs) {
  Booking b;
  b.id = static_cast<std::int64_t>(rs.getInt64("id"));
  b.code = rs.getString("code");
  b.status = parse_stored_status(std::string(rs.getString("status")));
  b.user_id = static_cast<std::int64_t>(rs.getInt64("user_id"));
  b.concert_id = static_cast<std::int64_t>(rs.getInt64("concert_id"));
  b.total_amount = static_cast<std::int64_t>(rs.getInt64("total_amount"));
  b.expires_at = rs.getString("expires_at");
  b.created_at = rs.getString("created_at");
  return b;
}

// Calls `chunk(first, rows)` over [0, n) in chunks of 64, 32, ..., 1 rows, largest first.
void in_row_chunks(std::size_t n, const std::function<void(std::size_t, std::size_t)>& chunk) {
  std::size_t first = 0;
  while (first < n) {
    std::size_t rows = 64;
    while (rows > n - first) {
      rows /= 2;
    }
    chunk(first, rows);
    first += rows;
  }
}

std::string repeated(const char* row, std::size_t rows) {
  std::string out = row;
  for (std::size_t i = 1; i < rows; ++i) {
    out += ", ";
    out += row;
  }
  return out;
}

}  // namespace

void BookingRepository::lock_users(db::Connection& conn,
                                   const std::vector<std::int64_t>& user_ids) const {
  db::query_in_chunks(conn, "SELECT id FROM users WHERE id IN (", ") ORDER BY id FOR UPDATE",
                      user_ids, [](sql::ResultSet&) {});
}

std::map<std::int64_t, std::int64_t> BookingRepository::lock_stock(
    db::Connection& conn, const std::vector<std::int64_t>& ids) const {
  std::map<std::int64_t, std::int64_t> out;
  db::query_in_chunks(conn, "SELECT id, available FROM ticket_types WHERE id IN (",
                      ") ORDER BY id FOR UPDATE", ids, [&](sql::ResultSet& rs) {
                        out[static_cast<std::int64_t>(rs.getInt64("id"))] =
                            static_cast<std::int64_t>(rs.getInt64("available"));
                      });
  return out;
}

// LAST_INSERT_ID(expr) hands the new value back on this connection without a second read of
// the row; the row lock stays until commit or rollback (ADR 0007).
std::uint32_t BookingRepository::take_day_numbers(db::Connection& conn, const std::string& iso_day,
                                                  std::uint32_t count) const {
  auto& stmt = conn.prepare(
      "INSERT INTO booking_code_counters (business_day, last_number) "
      "VALUES (?, LAST_INSERT_ID(?)) "
      "ON DUPLICATE KEY UPDATE last_number = LAST_INSERT_ID(last_number + ?)");
  stmt.setString(1, iso_day);
  stmt.setUInt(2, count);
  stmt.setUInt(3, count);
  stmt.executeUpdate();
  return static_cast<std::uint32_t>(conn.last_insert_id()) - count + 1;
}

std::vector<Booking> BookingRepository::insert_bookings(db::Connection& conn,
                                                        const std::vector<NewBooking>& rows,
                                                        long hold_minutes) const {
  in_row_chunks(rows.size(), [&](std::size_t first, std::size_t n) {
    auto& stmt = conn.prepare(
        "INSERT INTO bookings "
        "(code, business_day, day_number, user_id, concert_id, total_amount, expires_at) "
        "VALUES " +
        repeated("(?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE)", n));
    unsigned p = 1;
    for (std::size_t i = first; i < first + n; ++i) {
      const auto& b = rows[i];
      stmt.setString(p++, b.code);
      stmt.setString(p++, b.iso_day);
      stmt.setUInt(p++, b.number);
      stmt.setInt64(p++, b.user_id);
      stmt.setInt64(p++, b.concert_id);
      stmt.setInt64(p++, b.total_amount);
      stmt.setInt64(p++, hold_minutes);
    }
    stmt.executeUpdate();
  });
  // The ids by code (unique): auto-increment ids of one multi-row insert are consecutive on
  // MariaDB's default lock mode but not on MySQL 8's, so they are read back, not computed.
  std::map<std::string, std::int64_t> id_of;
  in_row_chunks(rows.size(), [&](std::size_t first, std::size_t n) {
    auto& stmt = conn.prepare("SELECT id, code FROM bookings WHERE code IN (" +
                              db::placeholder_list(n) + ")");
    for (std::size_t i = 0; i < n; ++i) {
      stmt.setString(static_cast<unsigned>(i + 1), rows[first + i].code);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      id_of[std::string(rs->getString("code"))] = static_cast<std::int64_t>(rs->getInt64("id"));
    }
  });
  std::vector<std::pair<std::int64_t, const Item*>> items;
  std::vector<std::int64_t> ids;
  for (const auto& b : rows) {
    const auto id = id_of.at(b.code);
    ids.push_back(id);
    for (const auto& item : b.items) {
      items.emplace_back(id, &item);
    }
  }
  in_row_chunks(items.size(), [&](std::size_t first, std::size_t n) {
    auto& stmt = conn.prepare(
        "INSERT INTO booking_items (booking_id, ticket_type_id, quantity, unit_price) VALUES " +
        repeated("(?, ?, ?, ?)", n));
    unsigned p = 1;
    for (std::size_t i = first; i < first + n; ++i) {
      stmt.setInt64(p++, items[i].first);
      stmt.setInt64(p++, items[i].second->ticket_type_id);
      stmt.setInt64(p++, items[i].second->quantity);
      stmt.setInt64(p++, items[i].second->unit_price);
    }
    stmt.executeUpdate();
  });
  std::vector<Booking> stored;
  db::query_in_chunks(conn, std::string("SELECT ") + kColumns + " FROM bookings b WHERE b.id IN (",
                      ")", ids, [&](sql::ResultSet& rs) { stored.push_back(read_booking(rs)); });
  load_items(conn, stored);
  std::map<std::int64_t, Booking*> by_id;
  for (auto& b : stored) {
    by_id[b.id] = &b;
  }
  std::vector<Booking> out;
  out.reserve(ids.size());
  for (const auto id : ids) {
    out.push_back(std::move(*by_id.at(id)));
  }
  return out;
}

void BookingRepository::insert_idempotency_keys(db::Connection& conn,
                                                const std::vector<NewIdempotencyKey>& rows) const {
  in_row_chunks(rows.size(), [&](std::size_t first, std::size_t n) {
    auto& stmt = conn.prepare(
        "INSERT INTO idempotency_keys "
        "(user_id, idem_key, request_hash, response_status, response_body, expires_at) VALUES " +
        repeated("(?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL 24 HOUR)", n));
    unsigned p = 1;
    for (std::size_t i = first; i < first + n; ++i) {
      stmt.setInt64(p++, rows[i].user_id);
      stmt.setString(p++, rows[i].key);
      stmt.setString(p++, rows[i].request_hash);
      stmt.setInt(p++, rows[i].status);
      stmt.setString(p++, rows[i].body);
    }
    stmt.executeUpdate();
  });
}

std::vector<BookingState> BookingRepository::states_of(
    db::Connection& conn, const std::vector<std::string>& codes) const {
  std::vector<BookingState> out;
  for (std::size_t first = 0; first < codes.size(); first += db::kMaxInList) {
    const auto count = std::min(db::kMaxInList, codes.size() - first);
    std::size_t slots = 1;
    while (slots < count) {
      slots *= 2;
    }
    std::string sql =
        "SELECT code, status, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS updated_at "
        "FROM bookings WHERE code IN (?";
    for (std::size_t i = 1; i < slots; ++i) {
      sql += ", ?";
    }
    sql += ")";
    auto& stmt = conn.prepare(sql);
    for (std::size_t i = 0; i < slots; ++i) {
      stmt.setString(static_cast<unsigned>(i + 1), codes[first + std::min(i, count - 1)]);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      BookingState state;
      state.code = rs->getString("code");
      state.status = parse_stored_status(std::string(rs->getString("status")));
      state.updated_at = rs->getString("updated_at");
      out.push_back(std::move(state));
    }
  }
  return out;
}

void BookingRepository::lock_user(db::Connection& conn, std::int64_t user_id) const {
  auto& stmt = conn.prepare("SELECT id FROM users WHERE id = ? FOR UPDATE");
  stmt.setInt64(1, user_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
}

std::optional<IdempotencyRow> BookingRepository::find_idempotency(db::Connection& conn,
                                                                  std::int64_t user_id,
                                                                  const std::string& key) const {
  auto& stmt = conn.prepare(
      "SELECT request_hash, response_status, response_body, "
      "expires_at <= UTC_TIMESTAMP(6) AS expired "
      "FROM idempotency_keys WHERE user_id = ? AND idem_key = ? FOR UPDATE");
  stmt.setInt64(1, user_id);
  stmt.setString(2, key);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  IdempotencyRow row;
  row.request_hash = rs->getString("request_hash");
  row.response_status = rs->getInt("response_status");
  row.response_body = rs->getString("response_body");
  row.expired = rs->getBoolean("expired");
  return row;
}

void BookingRepository::delete_idempotency(db::Connection& conn, std::int64_t user_id,
                                           const std::string& key) const {
  auto& stmt = conn.prepare("DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ?");
  stmt.setInt64(1, user_id);
  stmt.setString(2, key);
  stmt.executeUpdate();
}

void BookingRepository::insert_idempotency(db::Connection& conn, std::int64_t user_id,
                                           const std::string& key, const std::string& request_hash,
                                           int status, const std::string& body) const {
  insert_idempotency_keys(conn, {{user_id, key, request_hash, status, body}});
}

unsigned BookingRepository::purge_idempotency(db::Connection& conn, unsigned limit) const {
  auto& stmt =
      conn.prepare("DELETE FROM idempotency_keys WHERE expires_at <= UTC_TIMESTAMP(6) LIMIT ?");
  stmt.setUInt(1, limit);
  return static_cast<unsigned>(stmt.executeUpdate());
}

std::optional<ConcertRow> BookingRepository::concert_for_booking(db::Connection& conn,
                                                                 std::int64_t concert_id) const {
  auto& stmt = conn.prepare(
      "SELECT id, status, starts_at <= UTC_TIMESTAMP(6) AS started FROM concerts "
      "WHERE id = ? LOCK IN SHARE MODE");
  stmt.setInt64(1, concert_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ConcertRow{static_cast<std::int64_t>(rs->getInt64("id")),
                    catalog::parse_stored_concert_status(std::string(rs->getString("status"))),
                    rs->getBoolean("started")};
}

std::map<std::int64_t, TicketTypeRow> BookingRepository::ticket_types(
    db::Connection& conn, const std::vector<std::int64_t>& ids) const {
  std::map<std::int64_t, TicketTypeRow> out;
  db::query_in_chunks(
      conn, "SELECT id, concert_id, price, per_user_limit FROM ticket_types WHERE id IN (", ")",
      ids, [&](sql::ResultSet& rs) {
        TicketTypeRow row;
        row.id = static_cast<std::int64_t>(rs.getInt64("id"));
        row.concert_id = static_cast<std::int64_t>(rs.getInt64("concert_id"));
        row.price = static_cast<std::int64_t>(rs.getInt64("price"));
        if (!rs.isNull("per_user_limit")) {
          row.per_user_limit = static_cast<std::int64_t>(rs.getInt64("per_user_limit"));
        }
        out.emplace(row.id, row);
      });
  return out;
}

std::int64_t BookingRepository::held_by_user(db::Connection& conn, std::int64_t user_id,
                                             std::int64_t ticket_type_id) const {
  auto& stmt = conn.prepare(
      "SELECT COALESCE(SUM(i.quantity), 0) FROM bookings b "
      "JOIN booking_items i ON i.booking_id = b.id "
      "WHERE b.user_id = ? AND i.ticket_type_id = ? AND (b.status = 'paid' OR "
      "(b.status = 'pending_payment' AND b.expires_at > UTC_TIMESTAMP(6)))");
  stmt.setInt64(1, user_id);
  stmt.setInt64(2, ticket_type_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return static_cast<std::int64_t>(rs->getInt64(1));
}

std::vector<StockReading> BookingRepository::stock_readings(
    db::Connection& conn, const std::vector<std::int64_t>& ids) const {
  std::vector<StockReading> out;
  db::query_in_chunks(conn,
                      "SELECT t.id, t.concert_id, t.available, t.per_user_limit, "
                      "(c.status = 'published' AND c.starts_at > UTC_TIMESTAMP(6)) AS open "
                      "FROM ticket_types t JOIN concerts c ON c.id = t.concert_id WHERE t.id IN (",
                      ")", ids, [&](sql::ResultSet& rs) {
                        StockReading row;
                        row.ticket_type_id = static_cast<std::int64_t>(rs.getInt64("id"));
                        row.concert_id = static_cast<std::int64_t>(rs.getInt64("concert_id"));
                        row.available = static_cast<std::int64_t>(rs.getInt64("available"));
                        if (!rs.isNull("per_user_limit")) {
                          row.per_user_limit =
                              static_cast<std::int64_t>(rs.getInt64("per_user_limit"));
                        }
                        row.open = rs.getBoolean("open");
                        out.push_back(row);
                      });
  return out;
}

bool BookingRepository::has_live_idempotency_key(db::Connection& conn, std::int64_t user_id,
                                                 const std::string& key) const {
  auto& stmt = conn.prepare(
      "SELECT 1 FROM idempotency_keys WHERE user_id = ? AND idem_key = ? "
      "AND expires_at > UTC_TIMESTAMP(6)");
  stmt.setInt64(1, user_id);
  stmt.setString(2, key);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next();
}

std::set<std::pair<std::int64_t, std::string>> BookingRepository::live_idempotency_keys(
    db::Connection& conn, const std::vector<std::pair<std::int64_t, std::string>>& keys) const {
  std::set<std::pair<std::int64_t, std::string>> live;
  for (std::size_t first = 0; first < keys.size(); first += kMaxKeyPairs) {
    const auto count = std::min(kMaxKeyPairs, keys.size() - first);
    std::size_t slots = 1;
    while (slots < count) {
      slots *= 2;
    }
    // OR of primary-key equalities: a range scan of `slots` points on every MariaDB and MySQL.
    std::string sql = "SELECT user_id, idem_key FROM idempotency_keys WHERE (";
    for (std::size_t i = 0; i < slots; ++i) {
      sql += i == 0 ? "(user_id = ? AND idem_key = ?)" : " OR (user_id = ? AND idem_key = ?)";
    }
    sql += ") AND expires_at > UTC_TIMESTAMP(6)";
    auto& stmt = conn.prepare(sql);
    for (std::size_t i = 0; i < slots; ++i) {
      const auto& [user_id, key] = keys[first + std::min(i, count - 1)];  // padding repeats
      stmt.setInt64(static_cast<unsigned>(2 * i + 1), user_id);
      stmt.setString(static_cast<unsigned>(2 * i + 2), key);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      live.emplace(static_cast<std::int64_t>(rs->getInt64("user_id")),
                   std::string(rs->getString("idem_key")));
    }
  }
  return live;
}

bool BookingRepository::take_stock(db::Connection& conn, std::int64_t ticket_type_id,
                                   std::int64_t quantity) const {
  auto& stmt = conn.prepare(
      "UPDATE ticket_types SET available = available - ? WHERE id = ? AND available >= ?");
  stmt.setInt64(1, quantity);
  stmt.setInt64(2, ticket_type_id);
  stmt.setInt64(3, quantity);
  return stmt.executeUpdate() == 1;
}

void BookingRepository::return_stock(db::Connection& conn, std::int64_t ticket_type_id,
                                     std::int64_t quantity) const {
  auto& stmt = conn.prepare("UPDATE ticket_types SET available = available + ? WHERE id = ?");
  stmt.setInt64(1, quantity);
  stmt.setInt64(2, ticket_type_id);
  stmt.executeUpdate();
}

std::uint32_t BookingRepository::next_day_number(db::Connection& conn,
                                                 const std::string& iso_day) const {
  return take_day_numbers(conn, iso_day, 1);
}

std::int64_t BookingRepository::insert_booking(db::Connection& conn, const std::string& code,
                                               const std::string& iso_day, std::uint32_t number,
                                               std::int64_t user_id, std::int64_t concert_id,
                                               std::int64_t total_amount, long hold_minutes) const {
  auto& stmt = conn.prepare(
      "INSERT INTO bookings "
      "(code, business_day, day_number, user_id, concert_id, total_amount, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MINUTE)");
  stmt.setString(1, code);
  stmt.setString(2, iso_day);
  stmt.setUInt(3, number);
  stmt.setInt64(4, user_id);
  stmt.setInt64(5, concert_id);
  stmt.setInt64(6, total_amount);
  stmt.setInt64(7, hold_minutes);
  stmt.executeUpdate();
  return conn.last_insert_id();
}

void BookingRepository::insert_item(db::Connection& conn, std::int64_t booking_id,
                                    const Item& item) const {
  auto& stmt = conn.prepare(
      "INSERT INTO booking_items (booking_id, ticket_type_id, quantity, unit_price) "
      "VALUES (?, ?, ?, ?)");
  stmt.setInt64(1, booking_id);
  stmt.setInt64(2, item.ticket_type_id);
  stmt.setInt64(3, item.quantity);
  stmt.setInt64(4, item.unit_price);
  stmt.executeUpdate();
}

std::optional<Booking> BookingRepository::find_by_code(db::Connection& conn,
                                                       const std::string& code,
                                                       bool for_update) const {
  auto& stmt =
      conn.prepare(std::string("SELECT ") + kColumns + " FROM bookings b WHERE b.code = ?" +
                   (for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, code);
  return first_with_items(conn, stmt);
}

std::optional<Booking> BookingRepository::find_by_id(db::Connection& conn, std::int64_t id,
                                                     bool for_update) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns + " FROM bookings b WHERE b.id = ?" +
                            (for_update ? " FOR UPDATE" : ""));
  stmt.setInt64(1, id);
  return first_with_items(conn, stmt);
}

std::optional<Booking> BookingRepository::first_with_items(db::Connection& conn,
                                                           sql::PreparedStatement& stmt) const {
  std::vector<Booking> found;
  {
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (rs->next()) {
      found.push_back(read_booking(*rs));
    }
  }
  if (found.empty()) {
    return std::nullopt;
  }
  load_items(conn, found);
  return std::move(found.front());
}

std::vector<Booking> BookingRepository::list(db::Connection& conn,
                                             const BookingFilter& filter) const {
  // The statement text depends only on which filters are present (never on their values), so
  // each of the few variants is prepared once per connection.
  std::string sql = std::string("SELECT ") + kColumns + " FROM bookings b WHERE 1 = 1";
  if (filter.user_id) {
    sql += " AND b.user_id = ?";
  }
  if (filter.concert_id) {
    sql += " AND b.concert_id = ?";
  }
  if (filter.status) {
    sql += " AND b.status = ?";
  }
  if (filter.before_id > 0) {
    sql += " AND b.id < ?";
  }
  sql += " ORDER BY b.id DESC LIMIT ?";
  auto& stmt = conn.prepare(sql);
  unsigned i = 1;
  if (filter.user_id) {
    stmt.setInt64(i++, *filter.user_id);
  }
  if (filter.concert_id) {
    stmt.setInt64(i++, *filter.concert_id);
  }
  if (filter.status) {
    stmt.setString(i++, std::string(to_string(*filter.status)));
  }
  if (filter.before_id > 0) {
    stmt.setInt64(i++, filter.before_id);
  }
  stmt.setUInt(i, filter.limit);
  std::vector<Booking> out;
  {
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      out.push_back(read_booking(*rs));
    }
  }
  load_items(conn, out);
  return out;
}

void BookingRepository::load_items(db::Connection& conn, std::vector<Booking>& bookings) const {
  std::map<std::int64_t, Booking*> by_id;
  std::vector<std::int64_t> ids;
  for (auto& b : bookings) {
    by_id[b.id] = &b;
    ids.push_back(b.id);
  }
  db::query_in_chunks(
      conn,
      "SELECT booking_id, ticket_type_id, quantity, unit_price FROM booking_items "
      "WHERE booking_id IN (",
      ") ORDER BY booking_id, ticket_type_id", ids, [&](sql::ResultSet& rs) {
        const auto it = by_id.find(static_cast<std::int64_t>(rs.getInt64("booking_id")));
        if (it != by_id.end()) {
          it->second->items.push_back({static_cast<std::int64_t>(rs.getInt64("ticket_type_id")),
                                       static_cast<std::int64_t>(rs.getInt64("quantity")),
                                       static_cast<std::int64_t>(rs.getInt64("unit_price"))});
        }
      });
}

bool BookingRepository::leave_pending(db::Connection& conn, std::int64_t id, Status to,
                                      bool only_if_overdue) const {
  auto& stmt =
      conn.prepare(only_if_overdue ? "UPDATE bookings SET status = ? WHERE id = ? AND status = "
                                     "'pending_payment' AND expires_at <= UTC_TIMESTAMP(6)"
                                   : "UPDATE bookings SET status = ? WHERE id = ? AND status = "
                                     "'pending_payment'");
  stmt.setString(1, std::string(to_string(to)));
  stmt.setInt64(2, id);
  return stmt.executeUpdate() == 1;
}

std::vector<std::int64_t> BookingRepository::overdue_ids(db::Connection& conn,
                                                         unsigned limit) const {
  auto& stmt = conn.prepare(
      "SELECT id FROM bookings WHERE status = 'pending_payment' "
      "AND expires_at <= UTC_TIMESTAMP(6) ORDER BY expires_at LIMIT ?");
  stmt.setUInt(1, limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<std::int64_t> ids;
  while (rs->next()) {
    ids.push_back(static_cast<std::int64_t>(rs->getInt64(1)));
  }
  return ids;
}

// E-tickets.

namespace {
constexpr const char* kTicketQuery =
    "SELECT t.id, t.code, b.code AS booking_code, b.concert_id, t.ticket_type_id, "
    "tt.name AS type_name, u.name AS holder, c.organizer_id, "
    "DATE_FORMAT(t.checked_in_at, '%Y-%m-%dT%H:%i:%sZ') AS checked_in_at "
    "FROM tickets t JOIN bookings b ON b.id = t.booking_id "
    "JOIN ticket_types tt ON tt.id = t.ticket_type_id "
    "JOIN concerts c ON c.id = b.concert_id JOIN users u ON u.id = b.user_id ";

TicketRow read_ticket(sql::ResultSet& rs) {
  TicketRow row;
  auto& t = row.ticket;
  t.id = static_cast<std::int64_t>(rs.getInt64("id"));
  t.code = rs.getString("code");
  t.booking_code = rs.getString("booking_code");
  t.concert_id = static_cast<std::int64_t>(rs.getInt64("concert_id"));
  t.ticket_type_id = static_cast<std::int64_t>(rs.getInt64("ticket_type_id"));
  t.ticket_type_name = rs.getString("type_name");
  t.holder = rs.getString("holder");
  if (!rs.isNull("checked_in_at")) {
    t.checked_in_at = rs.getString("checked_in_at");
  }
  row.organizer_id = static_cast<std::int64_t>(rs.getInt64("organizer_id"));
  return row;
}
}  // namespace

HoldClock BookingRepository::hold_clock(db::Connection& conn, std::int64_t id) const {
  auto& stmt = conn.prepare(
      "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), expires_at) AS seconds_left, "
      "DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s') AS now_utc FROM bookings WHERE id = ?");
  stmt.setInt64(1, id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    throw std::runtime_error("booking vanished while locked");
  }
  return {static_cast<std::int64_t>(rs->getInt64("seconds_left")), rs->getString("now_utc")};
}

bool BookingRepository::mark_paid(db::Connection& conn, std::int64_t id, Status from) const {
  auto& stmt = conn.prepare("UPDATE bookings SET status = 'paid' WHERE id = ? AND status = ?");
  stmt.setInt64(1, id);
  stmt.setString(2, std::string(to_string(from)));
  return stmt.executeUpdate() == 1;
}

void BookingRepository::insert_ticket(db::Connection& conn, const std::string& code,
                                      std::int64_t booking_id, std::int64_t ticket_type_id,
                                      unsigned seq) const {
  auto& stmt = conn.prepare(
      "INSERT INTO tickets (code, booking_id, ticket_type_id, seq) VALUES (?, ?, ?, ?)");
  stmt.setString(1, code);
  stmt.setInt64(2, booking_id);
  stmt.setInt64(3, ticket_type_id);
  stmt.setUInt(4, seq);
  stmt.executeUpdate();
}

std::vector<Ticket> BookingRepository::tickets_of(db::Connection& conn,
                                                  std::int64_t booking_id) const {
  auto& stmt = conn.prepare(std::string(kTicketQuery) + "WHERE t.booking_id = ? ORDER BY t.seq");
  stmt.setInt64(1, booking_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<Ticket> out;
  while (rs->next()) {
    out.push_back(read_ticket(*rs).ticket);
  }
  return out;
}

std::optional<TicketRow> BookingRepository::find_ticket(db::Connection& conn,
                                                        const std::string& code) const {
  auto& stmt = conn.prepare(std::string(kTicketQuery) + "WHERE t.code = ?");
  stmt.setString(1, code);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return read_ticket(*rs);
}

bool BookingRepository::check_in(db::Connection& conn, std::int64_t ticket_id,
                                 std::int64_t by_user) const {
  auto& stmt = conn.prepare(
      "UPDATE tickets SET checked_in_at = UTC_TIMESTAMP(6), checked_in_by = ? "
      "WHERE id = ? AND checked_in_at IS NULL");
  stmt.setInt64(1, by_user);
  stmt.setInt64(2, ticket_id);
  return stmt.executeUpdate() == 1;
}

}  // namespace tiket::booking
