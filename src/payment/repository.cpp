#include "payment/repository.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

namespace tiket::payment {

namespace {

constexpr const char* kColumns =
    "p.id, p.booking_id, p.attempt, p.order_id, p.status, p.gross_amount, p.token, "
    "p.redirect_url, p.gateway_status, p.flag, p.flag_detail, "
    "DATE_FORMAT(p.expires_at, '%Y-%m-%dT%H:%i:%sZ') AS expires_at, "
    "DATE_FORMAT(p.settled_at, '%Y-%m-%dT%H:%i:%sZ') AS settled_at, "
    "DATE_FORMAT(p.created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at";

std::optional<std::string> nullable(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) {
    return std::nullopt;
  }
  return std::string(rs.getString(column));
}

Payment read_payment(sql::ResultSet& rs) {
  Payment p;
  p.id = static_cast<std::int64_t>(rs.getInt64("id"));
  p.booking_id = static_cast<std::int64_t>(rs.getInt64("booking_id"));
  p.attempt = rs.getUInt("attempt");
  p.order_id = rs.getString("order_id");
  p.status = parse_stored_status(std::string(rs.getString("status")));
  p.gross_amount = static_cast<std::int64_t>(rs.getInt64("gross_amount"));
  p.token = nullable(rs, "token");
  p.redirect_url = nullable(rs, "redirect_url");
  p.gateway_status = nullable(rs, "gateway_status");
  p.flag = parse_stored_flag(nullable(rs, "flag").value_or(""));
  p.flag_detail = nullable(rs, "flag_detail");
  p.expires_at = rs.getString("expires_at");
  p.settled_at = nullable(rs, "settled_at");
  p.created_at = rs.getString("created_at");
  return p;
}

std::vector<Payment> read_all(sql::PreparedStatement& stmt) {
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<Payment> out;
  while (rs->next()) {
    out.push_back(read_payment(*rs));
  }
  return out;
}

std::optional<Payment> read_first(sql::PreparedStatement& stmt) {
  auto all = read_all(stmt);
  if (all.empty()) {
    return std::nullopt;
  }
  return std::move(all.front());
}

}  // namespace

std::optional<Payment> PaymentRepository::open_attempt(db::Connection& conn,
                                                       std::int64_t booking_id) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns +
                            " FROM payments p WHERE p.booking_id = ? AND p.status IN "
                            "('creating', 'pending') ORDER BY p.attempt DESC LIMIT 1 FOR UPDATE");
  stmt.setInt64(1, booking_id);
  return read_first(stmt);
}

unsigned PaymentRepository::last_attempt(db::Connection& conn, std::int64_t booking_id) const {
  auto& stmt = conn.prepare("SELECT COALESCE(MAX(attempt), 0) FROM payments WHERE booking_id = ?");
  stmt.setInt64(1, booking_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return rs->getUInt(1);
}

std::int64_t PaymentRepository::insert(db::Connection& conn, std::int64_t booking_id,
                                       unsigned attempt, const std::string& order_id,
                                       std::int64_t gross_amount) const {
  auto& stmt = conn.prepare(
      "INSERT INTO payments (booking_id, attempt, order_id, gross_amount, expires_at) "
      "SELECT id, ?, ?, ?, expires_at FROM bookings WHERE id = ?");
  stmt.setUInt(1, attempt);
  stmt.setString(2, order_id);
  stmt.setInt64(3, gross_amount);
  stmt.setInt64(4, booking_id);
  stmt.executeUpdate();
  return conn.last_insert_id();
}

std::optional<Payment> PaymentRepository::find(db::Connection& conn, std::int64_t id) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns + " FROM payments p WHERE p.id = ?");
  stmt.setInt64(1, id);
  return read_first(stmt);
}

std::optional<Payment> PaymentRepository::find_by_order(db::Connection& conn,
                                                        const std::string& order_id,
                                                        bool for_update) const {
  auto& stmt =
      conn.prepare(std::string("SELECT ") + kColumns + " FROM payments p WHERE p.order_id = ?" +
                   (for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, order_id);
  return read_first(stmt);
}

std::vector<Payment> PaymentRepository::of_booking(db::Connection& conn,
                                                   std::int64_t booking_id) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns +
                            " FROM payments p WHERE p.booking_id = ? ORDER BY p.attempt");
  stmt.setInt64(1, booking_id);
  return read_all(stmt);
}

std::vector<PaymentEvent> PaymentRepository::events_of_booking(db::Connection& conn,
                                                               std::int64_t booking_id) const {
  auto& stmt = conn.prepare(
      "SELECT p.order_id, e.source, e.transaction_status, e.fraud_status, e.gross_amount, "
      "e.outcome, DATE_FORMAT(e.received_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS received_at "
      "FROM payment_events e JOIN payments p ON p.id = e.payment_id "
      "WHERE p.booking_id = ? ORDER BY e.id");
  stmt.setInt64(1, booking_id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<PaymentEvent> out;
  while (rs->next()) {
    PaymentEvent e;
    e.order_id = rs->getString("order_id");
    e.source = rs->getString("source");
    e.transaction_status = rs->getString("transaction_status");
    e.fraud_status = nullable(*rs, "fraud_status");
    e.gross_amount = rs->getString("gross_amount");
    e.outcome = rs->getString("outcome");
    e.received_at = rs->getString("received_at");
    out.push_back(std::move(e));
  }
  return out;
}

bool PaymentRepository::set_created(db::Connection& conn, std::int64_t id, const std::string& token,
                                    const std::string& redirect_url) const {
  auto& stmt = conn.prepare(
      "UPDATE payments SET token = ?, redirect_url = ?, "
      "status = IF(status = 'creating', 'pending', status) WHERE id = ? AND token IS NULL");
  stmt.setString(1, token);
  stmt.setString(2, redirect_url);
  stmt.setInt64(3, id);
  return stmt.executeUpdate() == 1;
}

void PaymentRepository::set_status(db::Connection& conn, std::int64_t id, Status status,
                                   const std::string& gateway_status,
                                   const std::string& transaction_id) const {
  auto& stmt = conn.prepare(
      "UPDATE payments SET status = ?, gateway_status = ?, "
      "transaction_id = COALESCE(NULLIF(?, ''), transaction_id), "
      "settled_at = IF(? = 'settled', UTC_TIMESTAMP(6), settled_at) WHERE id = ?");
  const std::string text(to_string(status));
  stmt.setString(1, text);
  stmt.setString(2, gateway_status);
  stmt.setString(3, transaction_id);
  stmt.setString(4, text);
  stmt.setInt64(5, id);
  stmt.executeUpdate();
}

void PaymentRepository::set_gateway_status(db::Connection& conn, std::int64_t id,
                                           const std::string& gateway_status) const {
  auto& stmt = conn.prepare("UPDATE payments SET gateway_status = ? WHERE id = ?");
  stmt.setString(1, gateway_status);
  stmt.setInt64(2, id);
  stmt.executeUpdate();
}

void PaymentRepository::set_flag(db::Connection& conn, std::int64_t id, Flag flag,
                                 const std::string& detail) const {
  auto& stmt = conn.prepare("UPDATE payments SET flag = ?, flag_detail = ? WHERE id = ?");
  stmt.setString(1, std::string(to_string(flag)));
  stmt.setString(2, detail.substr(0, 255));
  stmt.setInt64(3, id);
  stmt.executeUpdate();
}

void PaymentRepository::insert_event(db::Connection& conn, std::int64_t payment_id,
                                     std::string_view source, const GatewayStatus& status,
                                     std::string_view outcome, const std::string& raw) const {
  auto& stmt = conn.prepare(
      "INSERT INTO payment_events (payment_id, source, transaction_status, fraud_status, "
      "gross_amount, outcome, raw) VALUES (?, ?, ?, NULLIF(?, ''), ?, ?, ?)");
  stmt.setInt64(1, payment_id);
  stmt.setString(2, std::string(source));
  stmt.setString(3, status.transaction_status.substr(0, 32));
  stmt.setString(4, status.fraud_status.substr(0, 32));
  stmt.setString(5, status.gross_amount.substr(0, 32));
  stmt.setString(6, std::string(outcome));
  stmt.setString(7, raw);
  stmt.executeUpdate();
}

std::vector<Payment> PaymentRepository::open_older_than(db::Connection& conn, long min_age_seconds,
                                                        unsigned limit) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns +
                            " FROM payments p WHERE p.status IN ('creating', 'pending') AND "
                            "p.created_at <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND "
                            "ORDER BY p.status, p.created_at LIMIT ?");
  stmt.setInt64(1, min_age_seconds);
  stmt.setUInt(2, limit);
  return read_all(stmt);
}

bool PaymentRepository::hold_over(db::Connection& conn, std::int64_t id) const {
  auto& stmt = conn.prepare("SELECT expires_at <= UTC_TIMESTAMP(6) FROM payments WHERE id = ?");
  stmt.setInt64(1, id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() && rs->getBoolean(1);
}

}  // namespace tiket::payment
