#include "reporting/service.hpp"

#include <cppconn/exception.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "db/errors.hpp"
#include "db/transaction.hpp"

namespace tiket::reporting {

namespace {
// Days recomputed per transaction: short transactions, and a stop is noticed within one batch.
constexpr std::size_t kDaysPerBatch = 31;

// A report's query on the reports pool. A connection lost mid-query (the read timeout,
// DB_READ_TIMEOUT_S, on a report too heavy for the server at that moment, or a replica that went
// away) is the database being unavailable, not a bug: 503 with Retry-After, like a pool that
// cannot connect, rather than a 500.
template <typename F>
auto read_reports(db::Pool& pool, F&& work) {
  try {
    return db::with_connection(pool, std::forward<F>(work));
  } catch (const sql::SQLException& e) {
    if (db::is_connection_error(e.getErrorCode())) {
      throw core::AppError::unavailable(
          "The reports database did not answer in time; retry shortly.", 5);
    }
    throw;
  }
}
}  // namespace

ReportingService::ReportingService(db::Pool& primary, db::Pool& reports, ReportingOptions options)
    : primary_(primary), reports_(reports), options_(options) {}

std::chrono::year_month_day ReportingService::today() {
  const auto d = core::business_day(std::chrono::system_clock::now());
  return std::chrono::year_month_day{std::chrono::year(d.year), std::chrono::month(d.month),
                                     std::chrono::day(d.day)};
}

MonthlyReport ReportingService::monthly_sales(const DayRange& range) {
  return read_reports(reports_, [&](db::Connection& conn) {
    auto report = monthly_report(range, repo_.monthly_sales(conn, range, MonthlyVariant::rollup));
    report.rolled_up_to = repo_.rolled_up_to(conn);
    return report;
  });
}

std::vector<TopCustomer> ReportingService::top_customers(const DayRange& range, unsigned limit) {
  return read_reports(
      reports_, [&](db::Connection& conn) { return repo_.top_customers(conn, range, limit); });
}

std::vector<CitySales> ReportingService::sales_by_city(const DayRange& range, unsigned limit) {
  return read_reports(
      reports_, [&](db::Connection& conn) { return repo_.sales_by_city(conn, range, limit); });
}

std::vector<StockRow> ReportingService::stock(const identity::Principal& caller, StockFilter filter,
                                              unsigned limit) {
  if (caller.role == identity::Role::organizer) {
    if (filter.organizer_id && *filter.organizer_id != caller.user_id) {
      throw core::AppError::forbidden(
          "An organizer may read the stock of their own concerts only.");
    }
    filter.organizer_id = caller.user_id;
  } else if (!caller.is_admin()) {
    throw core::AppError::forbidden();
  }
  return read_reports(reports_,
                      [&](db::Connection& conn) { return repo_.stock(conn, filter, limit); });
}

std::vector<HourlyRequests> ReportingService::requests_per_hour(const DayRange& range,
                                                                unsigned limit) {
  const auto from = start_of_day_utc(range.from);
  const auto to = start_of_day_utc(
      std::chrono::year_month_day(std::chrono::sys_days(range.to) + std::chrono::days(1)));
  return read_reports(reports_, [&](db::Connection& conn) {
    return repo_.requests_per_hour(conn, from, to, limit);
  });
}

// Why the overlap. A booking's updated_at is the time of its UPDATE statement, but the change
// becomes visible only at commit. A run that starts at T0 reads every change committed before
// it; a transaction that updated a booking at T0 - 2 s and commits at T0 + 1 s is invisible to
// this run, yet its updated_at is below the new watermark T0. Looking again from
// watermark - overlap catches it on the next run, as long as no transaction stays open longer
// than the overlap (ours are bounded by the lock wait and read timeouts: seconds; the default
// overlap is 10 minutes). Recomputing a day is idempotent, so reading a day twice costs only
// time. Every time here is the database's clock, so the replicas' clocks do not matter.
RollupResult ReportingService::rollup_sales(const std::function<bool()>& stop) {
  std::string began;
  std::vector<std::string> days;
  db::with_connection(primary_, [&](db::Connection& conn) {
    began = repo_.database_now(conn);
    days = repo_.changed_days(conn, repo_.sales_watermark(conn), options_.rollup_overlap.count());
  });
  RollupResult result;
  for (std::size_t start = 0; start < days.size(); start += kDaysPerBatch) {
    if (stop()) {
      result.complete = false;
      return result;
    }
    const auto end = std::min(days.size(), start + kDaysPerBatch);
    result.with_sales += db::transaction(primary_, [&](db::Connection& conn) {
      std::size_t kept = 0;
      for (std::size_t k = start; k < end; ++k) {
        kept += repo_.recompute_day(conn, days[k]) ? 1U : 0U;
      }
      return kept;
    });
    result.days = end;
  }
  db::with_connection(primary_,
                      [&](db::Connection& conn) { repo_.advance_sales_watermark(conn, began); });
  return result;
}

std::size_t ReportingService::flush_request_counts(const std::vector<RequestCount>& counts) {
  if (counts.empty()) {
    return 0;
  }
  return db::transaction(
      primary_, [&](db::Connection& conn) { return repo_.add_request_counts(conn, counts); });
}

}  // namespace tiket::reporting
