#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/timestamp.hpp"

namespace tiket::reporting {

// A range of business days (BUSINESS_TZ), both ends included.
struct DayRange {
  std::chrono::year_month_day from;
  std::chrono::year_month_day to;
};

// "YYYY-MM-DD" → a real calendar day (2026-02-30 is nullopt), years 1970..9999.
std::optional<std::chrono::year_month_day> parse_day(std::string_view text);
std::string format_day(std::chrono::year_month_day day);  // 2026-11-30
std::string format_month(std::chrono::year_month month);  // 2026-11

// The default range: the last `days` business days, today (in BUSINESS_TZ) included.
DayRange last_days(std::chrono::year_month_day today, unsigned days);
// Days in the range, both ends counted (0 when from > to).
long days_in(const DayRange& range);

// Where a business day starts, in UTC, in the process's zone (BUSINESS_TZ, set by main).
core::Timestamp start_of_day_utc(std::chrono::year_month_day day);
// The zone's offset from UTC at `t`, as "+07:00" (what CONVERT_TZ takes without the time zone
// tables, which our databases do not load).
std::string utc_offset_at(core::Timestamp t);

// Paid sales of one month. month is "YYYY-MM" in the business zone.
struct MonthlySales {
  std::string month;
  std::int64_t bookings = 0;
  std::int64_t tickets = 0;
  std::int64_t revenue = 0;  // whole rupiah

  bool operator==(const MonthlySales&) const = default;
};

// How monthly_sales() reads (ADR 0015 measures them). Every variant returns the same rows.
enum class MonthlyVariant {
  naive,    // GROUP BY DATE_FORMAT over created_at in the business zone, bookings ⋈ items
  indexed,  // the same answer over business_day through ix_bookings_sales
  rollup,   // sales_daily, kept by the rollup-sales job
};

std::string_view to_string(MonthlyVariant variant);

// The monthly report: every month the range touches, in order, with zeros for a month without
// sales, and the average tickets per month over those months.
struct MonthlyReport {
  std::vector<MonthlySales> months;
  std::int64_t tickets = 0;
  double average_tickets_per_month = 0;
  std::optional<std::string> rolled_up_to;  // RFC 3339: sales changed after this may be missing
};

// Pure: `rows` are the months with sales (any order); the result has one row per month of the
// range, and the average is over all of them, rounded to two decimals.
MonthlyReport monthly_report(const DayRange& range, std::vector<MonthlySales> rows);

struct TopCustomer {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
  std::int64_t bookings = 0;
  std::int64_t tickets = 0;
  std::int64_t amount = 0;  // whole rupiah paid
};

struct CitySales {
  std::string city;
  std::int64_t bookings = 0;
  std::int64_t tickets = 0;
  std::int64_t revenue = 0;
};

struct StockFilter {
  std::optional<std::int64_t> concert_id;
  std::optional<std::int64_t> organizer_id;
};

struct StockRow {
  std::int64_t concert_id = 0;
  std::string concert_title;
  std::int64_t organizer_id = 0;
  std::int64_t ticket_type_id = 0;
  std::string ticket_type;
  std::int64_t quota = 0;
  std::int64_t sold = 0;       // in paid bookings
  std::int64_t held = 0;       // in pending bookings whose hold has not expired
  std::int64_t available = 0;  // what a new booking can still take now
};

struct HourlyRequests {
  std::string hour_start;    // RFC 3339 UTC, on the hour
  std::int64_t user_id = 0;  // 0: anonymous
  std::optional<std::string> email;
  std::int64_t requests = 0;
};

// One counted (hour, user) cell, as the HTTP layer hands it over for flushing.
struct RequestCount {
  std::int64_t hour_epoch = 0;  // seconds since 1970 (UTC) of the hour's start
  std::int64_t user_id = 0;     // 0: anonymous
  std::int64_t requests = 0;
};

}  // namespace tiket::reporting
