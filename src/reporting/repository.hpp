#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pool.hpp"
#include "reporting/report.hpp"

namespace tiket::reporting {

// SQL for the reports and nothing else. Reports are read models: this repository reads the
// bookings, catalog and users tables directly (docs/architecture.md says why), and writes only
// its own tables (sales_daily, rollup_watermarks, request_counts). Each report is one range of
// an index that migration 0006 names after it.
class ReportingRepository {
 public:
  // Paid sales per month of the range. All three variants return the same rows; only how they
  // read differs (MonthlyVariant). Months without sales are absent.
  std::vector<MonthlySales> monthly_sales(db::Connection& conn, const DayRange& range,
                                          MonthlyVariant variant) const;

  // By paid amount, highest first; ties by user id, so the ranking is the same on every call.
  std::vector<TopCustomer> top_customers(db::Connection& conn, const DayRange& range,
                                         unsigned limit) const;
  // By revenue, highest first, then by city. A sale's city is its concert's.
  std::vector<CitySales> sales_by_city(db::Connection& conn, const DayRange& range,
                                       unsigned limit) const;
  // Per concert and ticket type, by concert id then ticket type id. held counts pending
  // bookings whose hold is still running on the database's clock.
  std::vector<StockRow> stock(db::Connection& conn, const StockFilter& filter,
                              unsigned limit) const;
  // Hours in [from, to) (UTC), by hour then user id (the primary key's order).
  std::vector<HourlyRequests> requests_per_hour(db::Connection& conn, core::Timestamp from,
                                                core::Timestamp to, unsigned limit) const;

  // rollup-sales. The database's clock now, as a DATETIME(6) literal.
  std::string database_now(db::Connection& conn) const;
  // The sales_daily watermark (a DATETIME(6) literal).
  std::string sales_watermark(db::Connection& conn) const;
  // The business days of bookings whose updated_at is at or after `watermark` - overlap.
  std::vector<std::string> changed_days(db::Connection& conn, const std::string& watermark,
                                        long overlap_seconds) const;
  // Replaces the sales_daily row of `day` (YYYY-MM-DD) with the paid sales of that day now; a
  // day without paid sales loses its row. Returns whether a row remains.
  bool recompute_day(db::Connection& conn, const std::string& day) const;
  // Moves the watermark forward to `to`, never back (an overlapping run may finish later).
  void advance_sales_watermark(db::Connection& conn, const std::string& to) const;
  // RFC 3339 form of the watermark; nullopt before the first complete run.
  std::optional<std::string> rolled_up_to(db::Connection& conn) const;

  // flush-request-counts: adds each cell with one upsert per batch
  // (requests = requests + VALUES(requests)). Returns the cells written.
  std::size_t add_request_counts(db::Connection& conn,
                                 const std::vector<RequestCount>& counts) const;
};

}  // namespace tiket::reporting
