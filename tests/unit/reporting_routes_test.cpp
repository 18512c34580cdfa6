#include <gtest/gtest.h>

#include "reporting/csv.hpp"
#include "reporting/routes.hpp"

using std::chrono::year_month_day;
using tiket::core::AppError;
using tiket::http::QueryReader;
using tiket::http::Request;
using tiket::reporting::csv_field;
using tiket::reporting::wants_csv;

namespace {
year_month_day ymd(int y, unsigned m, unsigned d) {
  return {std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}

Request with_query(tiket::http::NameValues query) {
  Request r;
  r.query = std::move(query);
  return r;
}

const year_month_day kToday = ymd(2026, 3, 10);
}  // namespace

TEST(ReportCsv, QuotesOnlyWhatNeedsItAndDoublesQuotes) {
  EXPECT_EQ(csv_field("Jakarta"), "Jakarta");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("Rock, Live"), "\"Rock, Live\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_field(" padded"), "\" padded\"");
}

TEST(ReportCsv, WritesAHeaderRowAndOneCrlfLinePerItem) {
  const auto items =
      nlohmann::json::array({{{"city", "Jakarta, DKI"}, {"revenue", 100}, {"email", nullptr}},
                             {{"city", "Bandung"}, {"revenue", 7}, {"email", "a@b.c"}}});
  EXPECT_EQ(tiket::reporting::to_csv({"city", "revenue", "email"}, items),
            "city,revenue,email\r\n\"Jakarta, DKI\",100,\r\nBandung,7,a@b.c\r\n");
  EXPECT_EQ(tiket::reporting::to_csv({"a"}, nlohmann::json::array()), "a\r\n");
}

TEST(ReportAccept, CsvOnlyWhenPreferredOverJson) {
  EXPECT_TRUE(wants_csv("text/csv"));
  EXPECT_TRUE(wants_csv("Text/CSV; charset=utf-8"));
  EXPECT_TRUE(wants_csv("application/json;q=0.5, text/csv"));
  EXPECT_TRUE(wants_csv("text/*"));
  EXPECT_FALSE(wants_csv(std::nullopt));
  EXPECT_FALSE(wants_csv("application/json"));
  EXPECT_FALSE(wants_csv("*/*"));
  EXPECT_FALSE(wants_csv("text/csv, application/json")) << "a tie goes to JSON";
  EXPECT_FALSE(wants_csv("text/csv;q=0"));
  EXPECT_FALSE(wants_csv("text/csv;q=abc"));
  EXPECT_FALSE(wants_csv("text/html"));
  EXPECT_FALSE(wants_csv("text/*;q=0.9, application/json"));
  EXPECT_TRUE(wants_csv("text/csv;q=0.9, */*;q=0.1"));
}

TEST(ReportRange, DefaultsToTheLastThirtyDaysAndFillsAMissingEnd) {
  auto req = with_query({});
  QueryReader none(req, {"from", "to"});
  auto r = tiket::reporting::read_range(none, req, kToday);
  EXPECT_EQ(r.from, ymd(2026, 2, 9));
  EXPECT_EQ(r.to, kToday);
  EXPECT_TRUE(none.ok());

  req = with_query({{"from", "2026-01-01"}});
  QueryReader from_only(req, {"from", "to"});
  r = tiket::reporting::read_range(from_only, req, kToday);
  EXPECT_EQ(r.to, ymd(2026, 1, 30));
  req = with_query({{"from", "2026-03-01"}});
  QueryReader recent(req, {"from", "to"});
  EXPECT_EQ(tiket::reporting::read_range(recent, req, kToday).to, kToday);

  req = with_query({{"to", "2025-12-31"}});
  QueryReader to_only(req, {"from", "to"});
  r = tiket::reporting::read_range(to_only, req, kToday);
  EXPECT_EQ(r.from, ymd(2025, 12, 2));
  EXPECT_TRUE(to_only.ok());
}

TEST(ReportRange, RefusesBadDatesReversedAndOverlongRanges) {
  const auto fields = [](tiket::http::NameValues query) {
    const auto req = with_query(std::move(query));
    QueryReader in(req, {"from", "to"});
    tiket::reporting::read_range(in, req, kToday);
    std::vector<std::string> out;
    try {
      in.finish();
    } catch (const AppError& e) {
      for (const auto& fe : e.errors()) {
        out.push_back(fe.field);
      }
    }
    return out;
  };
  EXPECT_EQ(fields({{"from", "2026-02-30"}}), std::vector<std::string>{"from"});
  EXPECT_EQ(fields({{"from", ""}, {"to", "x"}}), (std::vector<std::string>{"from", "to"}));
  EXPECT_EQ(fields({{"from", "2026-03-02"}, {"to", "2026-03-01"}}), std::vector<std::string>{"to"});
  EXPECT_EQ(fields({{"from", "2015-01-01"}, {"to", "2026-01-01"}}), std::vector<std::string>{"to"});
  EXPECT_TRUE(fields({{"from", "2016-03-01"}, {"to", "2026-03-01"}}).empty())
      << "3653 days is within the limit";
}
