#include "reporting/report.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "reporting/settings.hpp"

using std::chrono::year_month_day;
using tiket::reporting::DayRange;
using tiket::reporting::MonthlySales;

namespace {
year_month_day ymd(int y, unsigned m, unsigned d) {
  return {std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}
}  // namespace

TEST(ReportingDays, ParsesOnlyRealCalendarDays) {
  EXPECT_EQ(tiket::reporting::parse_day("2026-02-28"), ymd(2026, 2, 28));
  EXPECT_EQ(tiket::reporting::parse_day("2028-02-29"), ymd(2028, 2, 29));
  for (const char* bad :
       {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01",
        "2026-01-01T00:00:00Z", "", "1969-12-31", "+026-01-01", "2026-01-0a"}) {
    EXPECT_FALSE(tiket::reporting::parse_day(bad)) << bad;
  }
  EXPECT_EQ(tiket::reporting::format_day(ymd(2026, 3, 7)), "2026-03-07");
}

TEST(ReportingDays, TheDefaultRangeIsThirtyDaysEndingToday) {
  const auto r = tiket::reporting::last_days(ymd(2026, 3, 1), 30);
  EXPECT_EQ(r.from, ymd(2026, 1, 31));
  EXPECT_EQ(r.to, ymd(2026, 3, 1));
  EXPECT_EQ(tiket::reporting::days_in(r), 30);
  EXPECT_EQ(tiket::reporting::days_in({ymd(2026, 3, 2), ymd(2026, 3, 1)}), 0);
}

TEST(ReportingDays, AJakartaDayStartsAt17UtcTheDayBefore) {
  tiket::core::set_business_time_zone("Asia/Jakarta");
  const auto start = tiket::reporting::start_of_day_utc(ymd(2026, 2, 1));
  EXPECT_EQ(tiket::core::format_rfc3339(start), "2026-01-31T17:00:00Z");
  EXPECT_EQ(tiket::reporting::utc_offset_at(start), "+07:00");
}

TEST(MonthlyReport, FillsEveryMonthOfTheRangeAndAveragesOverAllOfThem) {
  const DayRange range{ymd(2026, 1, 15), ymd(2026, 4, 2)};
  const auto report =
      tiket::reporting::monthly_report(range, {{"2026-03", 2, 5, 500}, {"2026-01", 1, 2, 200}});
  ASSERT_EQ(report.months.size(), 4U);
  EXPECT_EQ(report.months[0], (MonthlySales{"2026-01", 1, 2, 200}));
  EXPECT_EQ(report.months[1], (MonthlySales{"2026-02", 0, 0, 0}));
  EXPECT_EQ(report.months[2], (MonthlySales{"2026-03", 2, 5, 500}));
  EXPECT_EQ(report.months[3], (MonthlySales{"2026-04", 0, 0, 0}));
  EXPECT_EQ(report.tickets, 7);
  EXPECT_DOUBLE_EQ(report.average_tickets_per_month, 1.75);
}

TEST(MonthlyReport, RoundsTheAverageToTwoDecimalsAndCrossesYears) {
  const auto report = tiket::reporting::monthly_report({ymd(2025, 12, 1), ymd(2026, 2, 28)},
                                                       {{"2026-01", 1, 10, 100}});
  ASSERT_EQ(report.months.size(), 3U);
  EXPECT_EQ(report.months[0].month, "2025-12");
  EXPECT_EQ(report.months[2].month, "2026-02");
  EXPECT_DOUBLE_EQ(report.average_tickets_per_month, 3.33);
  EXPECT_TRUE(
      tiket::reporting::monthly_report({ymd(2026, 2, 1), ymd(2026, 1, 1)}, {}).months.empty());
}

TEST(ReportingSettings, ReadsTheReportsDatabaseAndRefusesBadValuesByName) {
  const tiket::core::Environment none;
  const tiket::core::EnvReader defaults(none);
  const auto s = tiket::reporting::read_settings(defaults);
  EXPECT_FALSE(s.database) << "unset: the reports read the primary's pool";
  EXPECT_EQ(s.rollup_overlap.count(), 600);
  EXPECT_EQ(s.flush_interval.count(), 10);

  const tiket::core::Environment replica{
      {"REPORTS_DATABASE_URL", "mysql://r:pw@replica:3306/tiket"}, {"REPORTS_DB_POOL_SIZE", "2"}};
  const tiket::core::EnvReader with_replica(replica);
  const auto r = tiket::reporting::read_settings(with_replica);
  ASSERT_TRUE(r.database);
  EXPECT_EQ(r.database->host, "replica");
  EXPECT_EQ(r.pool_size, 2U);

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"REPORTS_DATABASE_URL", "postgres://x"},
           {"REPORTS_ROLLUP_INTERVAL_S", "0"},
           {"REQUEST_COUNTS_FLUSH_INTERVAL_S", "ten"}}) {
    const tiket::core::Environment env{{name, value}};
    const tiket::core::EnvReader reader(env);
    try {
      tiket::reporting::read_settings(reader);
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const tiket::core::ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(name + ":", 0), 0U) << e.what();
      EXPECT_EQ(std::string(e.what()).find("pw"), std::string::npos);
    }
  }
}
