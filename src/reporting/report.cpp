#include "reporting/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>

namespace tiket::reporting {

namespace {
using namespace std::chrono;

std::optional<int> digits(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}
}  // namespace

std::optional<year_month_day> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  for (const std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
  }
  const auto y = digits(text.substr(0, 4));
  const auto m = digits(text.substr(5, 2));
  const auto d = digits(text.substr(8, 2));
  const year_month_day day{year(*y), month(static_cast<unsigned>(*m)),
                           std::chrono::day(static_cast<unsigned>(*d))};
  if (!day.ok() || *y < 1970) {
    return std::nullopt;
  }
  return day;
}

std::string format_day(year_month_day day) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

std::string format_month(year_month month) {
  return fmt::format("{:04}-{:02}", static_cast<int>(month.year()),
                     static_cast<unsigned>(month.month()));
}

DayRange last_days(year_month_day today, unsigned days) {
  const auto first = sys_days(today) - std::chrono::days(days == 0 ? 0 : days - 1);
  return {year_month_day(first), today};
}

long days_in(const DayRange& range) {
  const auto n = (sys_days(range.to) - sys_days(range.from)).count() + 1;
  return n < 0 ? 0 : static_cast<long>(n);
}

core::Timestamp start_of_day_utc(year_month_day day) {
  std::tm local{};
  local.tm_year = static_cast<int>(day.year()) - 1900;
  local.tm_mon = static_cast<int>(static_cast<unsigned>(day.month())) - 1;
  local.tm_mday = static_cast<int>(static_cast<unsigned>(day.day()));
  local.tm_isdst = -1;  // let the zone decide (a day that starts inside a DST change)
  const std::time_t t = std::mktime(&local);
  return time_point_cast<microseconds>(system_clock::from_time_t(t));
}

std::string utc_offset_at(core::Timestamp t) {
  const std::time_t seconds = system_clock::to_time_t(time_point_cast<system_clock::duration>(t));
  std::tm local{};
  localtime_r(&seconds, &local);
  const long offset = local.tm_gmtoff;
  const long magnitude = offset < 0 ? -offset : offset;
  return fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', magnitude / 3600,
                     (magnitude % 3600) / 60);
}

std::string_view to_string(MonthlyVariant variant) {
  switch (variant) {
    case MonthlyVariant::naive:
      return "naive";
    case MonthlyVariant::indexed:
      return "indexed";
    case MonthlyVariant::rollup:
      return "rollup";
  }
  return "rollup";
}

MonthlyReport monthly_report(const DayRange& range, std::vector<MonthlySales> rows) {
  std::map<std::string, MonthlySales> by_month;
  for (auto& row : rows) {
    by_month[row.month] = std::move(row);
  }
  MonthlyReport report;
  if (days_in(range) == 0) {
    return report;
  }
  const year_month last{range.to.year(), range.to.month()};
  for (year_month m{range.from.year(), range.from.month()}; m <= last; m += months(1)) {
    const auto key = format_month(m);
    const auto found = by_month.find(key);
    MonthlySales sales = found == by_month.end() ? MonthlySales{key} : found->second;
    report.tickets += sales.tickets;
    report.months.push_back(std::move(sales));
  }
  const auto average =
      static_cast<double>(report.tickets) / static_cast<double>(report.months.size());
  report.average_tickets_per_month = std::round(average * 100.0) / 100.0;
  return report;
}

}  // namespace tiket::reporting
