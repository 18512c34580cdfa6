#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "db/pool.hpp"
#include "identity/principal.hpp"
#include "reporting/report.hpp"
#include "reporting/repository.hpp"

namespace tiket::reporting {

struct ReportingOptions {
  std::chrono::seconds rollup_overlap{600};
};

// What one rollup-sales run did.
struct RollupResult {
  std::size_t days = 0;        // business days recomputed
  std::size_t with_sales = 0;  // of those, days that still have paid sales
  bool complete = true;        // false: stopped early; the watermark did not move
};

// The five admin reports and the two jobs that keep their tables. Reads go to `reports` (a
// replica when REPORTS_DATABASE_URL is set, else the primary's pool); the jobs write to
// `primary`. The range is checked by the routes' reader; the service decides who sees what.
class ReportingService {
 public:
  ReportingService(db::Pool& primary, db::Pool& reports, ReportingOptions options);

  MonthlyReport monthly_sales(const DayRange& range);
  std::vector<TopCustomer> top_customers(const DayRange& range, unsigned limit);
  std::vector<CitySales> sales_by_city(const DayRange& range, unsigned limit);
  // Admin: any filter. Organizer: their own concerts only; naming another organizer is 403.
  // Anyone else: 403.
  std::vector<StockRow> stock(const identity::Principal& caller, StockFilter filter,
                              unsigned limit);
  std::vector<HourlyRequests> requests_per_hour(const DayRange& range, unsigned limit);

  // rollup-sales: recomputes the sales_daily rows of every business day with a booking changed
  // since the watermark (minus the overlap), a batch of days per transaction, then moves the
  // watermark to the database time at which the run began. `stop` is polled between batches.
  RollupResult rollup_sales(const std::function<bool()>& stop = [] { return false; });

  // flush-request-counts: adds these cells to request_counts. Throws on a database error (the
  // caller keeps the counts for the next flush).
  std::size_t flush_request_counts(const std::vector<RequestCount>& counts);

  // Today in BUSINESS_TZ.
  static std::chrono::year_month_day today();

 private:
  db::Pool& primary_;
  db::Pool& reports_;
  ReportingOptions options_;
  ReportingRepository repo_;
};

}  // namespace tiket::reporting
