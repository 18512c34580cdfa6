#include "reporting/repository.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tiket::reporting {

namespace {

// The one definition of a sale, shared by every report: a paid booking; its tickets are the
// items' quantities and its revenue their quantity × unit_price (which is how total_amount is
// priced). SUM over BIGINT is DECIMAL: CAST keeps the column an integer for the connector.
constexpr const char* kSaleColumns =
    "CAST(COUNT(DISTINCT b.id) AS SIGNED) AS bookings, "
    "CAST(SUM(i.quantity) AS SIGNED) AS tickets, "
    "CAST(SUM(i.quantity * i.unit_price) AS SIGNED) AS revenue";

// `head` + the sale columns + `tail`: one statement text per report, never any input.
std::string with_sale_columns(std::string_view head, std::string_view tail) {
  std::string sql(head);
  sql += kSaleColumns;
  sql += tail;
  return sql;
}

std::vector<MonthlySales> read_months(sql::PreparedStatement& stmt) {
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<MonthlySales> out;
  while (rs->next()) {
    out.push_back({rs->getString("month"), static_cast<std::int64_t>(rs->getInt64("bookings")),
                   static_cast<std::int64_t>(rs->getInt64("tickets")),
                   static_cast<std::int64_t>(rs->getInt64("revenue"))});
  }
  return out;
}

}  // namespace

std::vector<MonthlySales> ReportingRepository::monthly_sales(db::Connection& conn,
                                                             const DayRange& range,
                                                             MonthlyVariant variant) const {
  switch (variant) {
    case MonthlyVariant::naive: {
      // The query as first written: the month of created_at in the business zone, over the
      // base tables. It may not use ix_bookings_sales (added for the indexed variant), so it
      // stays the reference the others are measured against. The range is the UTC instants of
      // the business days' starts. CONVERT_TZ takes an offset because our servers do not load
      // the time zone tables: exact for a zone without daylight saving (Asia/Jakarta); in a
      // zone with DST the month boundaries of this variant are off by the DST hour.
      const auto start = start_of_day_utc(range.from);
      const auto end = start_of_day_utc(
          std::chrono::year_month_day(std::chrono::sys_days(range.to) + std::chrono::days(1)));
      auto& stmt = conn.prepare(with_sale_columns(
          "SELECT DATE_FORMAT(CONVERT_TZ(b.created_at, '+00:00', ?), '%Y-%m') AS month, ",
          " FROM bookings b IGNORE INDEX (ix_bookings_sales) "
          "JOIN booking_items i ON i.booking_id = b.id "
          "WHERE b.status = 'paid' AND b.created_at >= ? AND b.created_at < ? "
          "GROUP BY month ORDER BY month"));
      stmt.setString(1, utc_offset_at(start));
      stmt.setString(2, core::format_sql_datetime(start));
      stmt.setString(3, core::format_sql_datetime(end));
      return read_months(stmt);
    }
    case MonthlyVariant::indexed: {
      // One range of ix_bookings_sales (status, business_day, …), which covers the bookings
      // side; the items are read by primary key.
      auto& stmt = conn.prepare(
          with_sale_columns("SELECT DATE_FORMAT(b.business_day, '%Y-%m') AS month, ",
                            " FROM bookings b JOIN booking_items i ON i.booking_id = b.id "
                            "WHERE b.status = 'paid' AND b.business_day BETWEEN ? AND ? "
                            "GROUP BY month ORDER BY month"));
      stmt.setString(1, format_day(range.from));
      stmt.setString(2, format_day(range.to));
      return read_months(stmt);
    }
    case MonthlyVariant::rollup: {
      // At most 31 rows a month, one range of sales_daily's primary key.
      auto& stmt = conn.prepare(
          "SELECT DATE_FORMAT(business_day, '%Y-%m') AS month, "
          "CAST(SUM(bookings) AS SIGNED) AS bookings, CAST(SUM(tickets) AS SIGNED) AS tickets, "
          "CAST(SUM(revenue) AS SIGNED) AS revenue "
          "FROM sales_daily WHERE business_day BETWEEN ? AND ? "
          "GROUP BY month ORDER BY month");
      stmt.setString(1, format_day(range.from));
      stmt.setString(2, format_day(range.to));
      return read_months(stmt);
    }
  }
  return {};
}

std::vector<TopCustomer> ReportingRepository::top_customers(db::Connection& conn,
                                                            const DayRange& range,
                                                            unsigned limit) const {
  // Rank on ix_bookings_sales alone (plus the items), then look up only the winners' names.
  auto& stmt = conn.prepare(
      with_sale_columns("SELECT t.user_id, u.email, u.name, t.bookings, t.tickets, t.revenue FROM ("
                        "SELECT b.user_id, ",
                        " FROM bookings b JOIN booking_items i ON i.booking_id = b.id "
                        "WHERE b.status = 'paid' AND b.business_day BETWEEN ? AND ? "
                        "GROUP BY b.user_id ORDER BY revenue DESC, b.user_id LIMIT ?) t "
                        "JOIN users u ON u.id = t.user_id ORDER BY t.revenue DESC, t.user_id"));
  stmt.setString(1, format_day(range.from));
  stmt.setString(2, format_day(range.to));
  stmt.setUInt(3, limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<TopCustomer> out;
  while (rs->next()) {
    out.push_back({static_cast<std::int64_t>(rs->getInt64("user_id")), rs->getString("email"),
                   rs->getString("name"), static_cast<std::int64_t>(rs->getInt64("bookings")),
                   static_cast<std::int64_t>(rs->getInt64("tickets")),
                   static_cast<std::int64_t>(rs->getInt64("revenue"))});
  }
  return out;
}

std::vector<CitySales> ReportingRepository::sales_by_city(db::Connection& conn,
                                                          const DayRange& range,
                                                          unsigned limit) const {
  auto& stmt =
      conn.prepare(with_sale_columns("SELECT c.city, ",
                                     " FROM bookings b JOIN concerts c ON c.id = b.concert_id "
                                     "JOIN booking_items i ON i.booking_id = b.id "
                                     "WHERE b.status = 'paid' AND b.business_day BETWEEN ? AND ? "
                                     "GROUP BY c.city ORDER BY revenue DESC, c.city LIMIT ?"));
  stmt.setString(1, format_day(range.from));
  stmt.setString(2, format_day(range.to));
  stmt.setUInt(3, limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<CitySales> out;
  while (rs->next()) {
    out.push_back({rs->getString("city"), static_cast<std::int64_t>(rs->getInt64("bookings")),
                   static_cast<std::int64_t>(rs->getInt64("tickets")),
                   static_cast<std::int64_t>(rs->getInt64("revenue"))});
  }
  return out;
}

std::vector<StockRow> ReportingRepository::stock(db::Connection& conn, const StockFilter& filter,
                                                 unsigned limit) const {
  // Sold seats come from the stock counter, not from every booking ever made: the booking
  // transaction keeps ticket_types.available = quota - seats of pending_payment bookings - seats
  // of paid bookings (cancel and expiry give seats back, a late payment takes them again), so
  // sold = quota - available - pending seats. Only the pending bookings are read (a range of
  // ix_bookings_expiry on status, then their items by primary key): about 2,000 bookings at 1M,
  // where summing the items of every paid booking read 1.26M rows (ADR 0015).
  //
  // Two statements, not one with the pending seats as a derived table: MariaDB splits such a
  // derived table per ticket type (EXPLAIN: LATERAL DERIVED) and reads every item of each type
  // again, about 2 s at 1M bookings instead of a few milliseconds. Both read one snapshot: a
  // repeatable-read, read-only transaction for these two reads only (sessions are READ
  // COMMITTED, ADR 0010), so a booking that commits between them cannot count twice or not at
  // all. The pool rolls back a connection returned mid-transaction.
  conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  conn.begin();

  std::unordered_map<std::int64_t, std::pair<std::int64_t, std::int64_t>> pending;  // pending, held
  {
    auto& stmt = conn.prepare(
        "SELECT i.ticket_type_id, CAST(SUM(i.quantity) AS SIGNED) AS pending, "
        "CAST(SUM(CASE WHEN b.expires_at > UTC_TIMESTAMP(6) THEN i.quantity ELSE 0 END) "
        "AS SIGNED) AS held "
        "FROM bookings b JOIN booking_items i ON i.booking_id = b.id "
        "WHERE b.status = 'pending_payment' GROUP BY i.ticket_type_id");
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      pending[static_cast<std::int64_t>(rs->getInt64("ticket_type_id"))] = {
          static_cast<std::int64_t>(rs->getInt64("pending")),
          static_cast<std::int64_t>(rs->getInt64("held"))};
    }
  }

  // The filter picks the statement text, never a value: a concert is its primary key, an
  // organizer ix_concerts_organizer.
  std::string where = "WHERE 1 = 1";
  if (filter.concert_id) {
    where += " AND c.id = ?";
  }
  if (filter.organizer_id) {
    where += " AND c.organizer_id = ?";
  }
  auto& stmt = conn.prepare(
      "SELECT c.id AS concert_id, c.title, c.organizer_id, t.id AS ticket_type_id, "
      "t.name AS ticket_type, t.quota, t.available "
      "FROM concerts c JOIN ticket_types t ON t.concert_id = c.id " +
      where + " ORDER BY c.id, t.id LIMIT ?");
  unsigned slot = 1;
  if (filter.concert_id) {
    stmt.setInt64(slot++, *filter.concert_id);
  }
  if (filter.organizer_id) {
    stmt.setInt64(slot++, *filter.organizer_id);
  }
  stmt.setUInt(slot, limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<StockRow> out;
  while (rs->next()) {
    StockRow row;
    row.concert_id = static_cast<std::int64_t>(rs->getInt64("concert_id"));
    row.concert_title = rs->getString("title");
    row.organizer_id = static_cast<std::int64_t>(rs->getInt64("organizer_id"));
    row.ticket_type_id = static_cast<std::int64_t>(rs->getInt64("ticket_type_id"));
    row.ticket_type = rs->getString("ticket_type");
    row.quota = static_cast<std::int64_t>(rs->getInt64("quota"));
    row.available = static_cast<std::int64_t>(rs->getInt64("available"));
    const auto it = pending.find(row.ticket_type_id);
    const std::int64_t pending_seats = it == pending.end() ? 0 : it->second.first;
    row.held = it == pending.end() ? 0 : it->second.second;
    row.sold = row.quota - row.available - pending_seats;
    out.push_back(std::move(row));
  }
  conn.commit();
  return out;
}

std::vector<HourlyRequests> ReportingRepository::requests_per_hour(db::Connection& conn,
                                                                   core::Timestamp from,
                                                                   core::Timestamp to,
                                                                   unsigned limit) const {
  // A range of the primary key (hour_start, user_id), read in its order: no sort, and the read
  // stops after `limit` rows.
  auto& stmt = conn.prepare(
      "SELECT DATE_FORMAT(r.hour_start, '%Y-%m-%dT%H:00:00Z') AS hour_start, r.user_id, "
      "u.email, r.requests FROM request_counts r LEFT JOIN users u ON u.id = r.user_id "
      "WHERE r.hour_start >= ? AND r.hour_start < ? "
      "ORDER BY r.hour_start, r.user_id LIMIT ?");
  stmt.setString(1, core::format_sql_datetime(from));
  stmt.setString(2, core::format_sql_datetime(to));
  stmt.setUInt(3, limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<HourlyRequests> out;
  while (rs->next()) {
    HourlyRequests row;
    row.hour_start = rs->getString("hour_start");
    row.user_id = static_cast<std::int64_t>(rs->getInt64("user_id"));
    if (!rs->isNull("email")) {
      row.email = rs->getString("email");
    }
    row.requests = static_cast<std::int64_t>(rs->getInt64("requests"));
    out.push_back(std::move(row));
  }
  return out;
}

std::string ReportingRepository::database_now(db::Connection& conn) const {
  auto& stmt = conn.prepare("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f')");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return {rs->getString(1)};
}

std::string ReportingRepository::sales_watermark(db::Connection& conn) const {
  auto& stmt = conn.prepare(
      "SELECT DATE_FORMAT(watermark, '%Y-%m-%d %H:%i:%s.%f') FROM rollup_watermarks "
      "WHERE name = 'sales_daily'");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? std::string(rs->getString(1)) : std::string("1970-01-01 00:00:01.000000");
}

std::vector<std::string> ReportingRepository::changed_days(db::Connection& conn,
                                                           const std::string& watermark,
                                                           long overlap_seconds) const {
  // A range of ix_bookings_changed (updated_at, business_day): read from the index alone.
  auto& stmt = conn.prepare(
      "SELECT DISTINCT DATE_FORMAT(business_day, '%Y-%m-%d') AS day FROM bookings "
      "WHERE updated_at >= CAST(? AS DATETIME(6)) - INTERVAL ? SECOND ORDER BY day");
  stmt.setString(1, watermark);
  stmt.setInt64(2, overlap_seconds);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<std::string> out;
  while (rs->next()) {
    out.emplace_back(rs->getString("day"));
  }
  return out;
}

bool ReportingRepository::recompute_day(db::Connection& conn, const std::string& day) const {
  auto& remove = conn.prepare("DELETE FROM sales_daily WHERE business_day = ?");
  remove.setString(1, day);
  remove.executeUpdate();
  // Under READ COMMITTED the SELECT half is a consistent read: it locks no booking, so the
  // rollup never makes a booking or a payment wait.
  auto& insert = conn.prepare(
      with_sale_columns("INSERT INTO sales_daily (business_day, bookings, tickets, revenue) "
                        "SELECT b.business_day, ",
                        " FROM bookings b JOIN booking_items i ON i.booking_id = b.id "
                        "WHERE b.status = 'paid' AND b.business_day = ? GROUP BY b.business_day"));
  insert.setString(1, day);
  return insert.executeUpdate() > 0;
}

void ReportingRepository::advance_sales_watermark(db::Connection& conn,
                                                  const std::string& to) const {
  auto& stmt = conn.prepare(
      "UPDATE rollup_watermarks SET watermark = GREATEST(watermark, CAST(? AS DATETIME(6))) "
      "WHERE name = 'sales_daily'");
  stmt.setString(1, to);
  stmt.executeUpdate();
}

std::optional<std::string> ReportingRepository::rolled_up_to(db::Connection& conn) const {
  auto& stmt = conn.prepare(
      "SELECT DATE_FORMAT(watermark, '%Y-%m-%dT%H:%i:%sZ') FROM rollup_watermarks "
      "WHERE name = 'sales_daily' AND watermark > '1970-01-02'");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return std::string(rs->getString(1));
}

std::size_t ReportingRepository::add_request_counts(db::Connection& conn,
                                                    const std::vector<RequestCount>& counts) const {
  // Batches of 128, 64, …, 1 rows: at most 8 statement texts per connection, whatever the
  // number of cells (padding, as query_in_chunks does, would count a cell twice).
  std::size_t done = 0;
  while (done < counts.size()) {
    std::size_t batch = db::kMaxInList;
    while (batch > counts.size() - done) {
      batch /= 2;
    }
    std::string sql = "INSERT INTO request_counts (hour_start, user_id, requests) VALUES ";
    for (std::size_t k = 0; k < batch; ++k) {
      sql += k == 0 ? "(FROM_UNIXTIME(?), ?, ?)" : ", (FROM_UNIXTIME(?), ?, ?)";
    }
    sql += " ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests)";
    auto& stmt = conn.prepare(sql);
    for (std::size_t k = 0; k < batch; ++k) {
      const auto& cell = counts[done + k];
      const auto slot = static_cast<unsigned>(3 * k);
      stmt.setInt64(slot + 1, cell.hour_epoch);
      stmt.setInt64(slot + 2, cell.user_id);
      stmt.setInt64(slot + 3, cell.requests);
    }
    stmt.executeUpdate();
    done += batch;
  }
  return done;
}

}  // namespace tiket::reporting
