// The admin reports (issue 10) against a real tiket-api and a real database, on hand-built data
// whose answers are known: the monthly rollup agrees with the naive query through new
// bookings, a cancellation, a payment after the hold expired and a late commit.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "db/pool.hpp"
#include "reporting/service.hpp"
#include "support/api.hpp"
#include "support/test_db.hpp"

using tiket::reporting::DayRange;
using tiket::reporting::MonthlySales;
using tiket::reporting::MonthlyVariant;
using tiket::test::Api;

namespace {

using namespace std::chrono;

year_month_day day(int y, unsigned m, unsigned d) {
  return {year(y), month(m), std::chrono::day(d)};
}

struct Line {
  std::int64_t ticket_type_id;
  long long quantity;
  long long unit_price;
};

// The data is written with SQL, as the reports read it: the times and statuses are what the
// test is about, and the booking flow that makes them has its own tests.
class Reports : public ::testing::Test {
 protected:
  Reports()
      : api_(tiket::test::EnvOverrides{{"JOBS_ENABLED", "false"}}),
        admin_(api_.admin_tokens()["access_token"].get<std::string>()),
        conn_(api_.db().connect()) {
    tiket::db::PoolOptions options;
    options.url = api_.db().url();
    pool_ = std::make_unique<tiket::db::Pool>(tiket::test::test_driver(), options);
  }

  static void SetUpTestSuite() { tiket::core::set_business_time_zone("Asia/Jakarta"); }

  std::int64_t exec_insert(const std::string& sql, const std::vector<std::string>& params) {
    auto& stmt = conn_->prepare(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      stmt.setString(static_cast<unsigned>(i + 1), params[i]);
    }
    stmt.executeUpdate();
    return conn_->last_insert_id();
  }

  void exec(const std::string& sql) { conn_->execute(sql); }

  std::int64_t user(const std::string& email, const std::string& role = "customer") {
    return exec_insert("INSERT INTO users (email, name, password_hash, role) VALUES (?, ?, 'x', ?)",
                       {email, "Name of " + email, role});
  }

  std::int64_t concert(std::int64_t organizer, const std::string& title, const std::string& city) {
    return exec_insert(
        "INSERT INTO concerts (organizer_id, title, artist, venue, city, starts_at, status) "
        "VALUES (?, ?, 'Artist', 'Venue', ?, UTC_TIMESTAMP() + INTERVAL 60 DAY, 'published')",
        {std::to_string(organizer), title, city});
  }

  std::int64_t ticket_type(std::int64_t concert_id, const std::string& name, long long price,
                           long long quota) {
    return exec_insert(
        "INSERT INTO ticket_types (concert_id, name, price, quota, available) "
        "VALUES (?, ?, ?, ?, ?)",
        {std::to_string(concert_id), name, std::to_string(price), std::to_string(quota),
         std::to_string(quota)});
  }

  // A booking made at `created_utc` ("YYYY-MM-DD HH:MM:SS"); its business day is that instant
  // in Jakarta (UTC+7), as the booking service computes it. A pending booking's hold runs
  // `hold_minutes` from now (negative: expired).
  std::int64_t booking(std::int64_t user_id, std::int64_t concert_id, const std::string& status,
                       const std::string& created_utc, const std::vector<Line>& lines,
                       long hold_minutes = -10) {
    long long total = 0;
    for (const auto& l : lines) {
      total += l.quantity * l.unit_price;
    }
    ++number_;
    const auto id = exec_insert(
        "INSERT INTO bookings (code, business_day, day_number, user_id, concert_id, status, "
        "total_amount, expires_at, created_at, updated_at) VALUES ("
        "CONCAT('TIX-', DATE_FORMAT(CAST(? AS DATETIME) + INTERVAL 7 HOUR, '%Y%m%d'), '-', "
        "LPAD(?, 6, '0')), DATE(CAST(? AS DATETIME) + INTERVAL 7 HOUR), ?, ?, ?, ?, ?, "
        "UTC_TIMESTAMP(6) + INTERVAL ? MINUTE, ?, UTC_TIMESTAMP(6))",
        {created_utc, std::to_string(number_), created_utc, std::to_string(number_),
         std::to_string(user_id), std::to_string(concert_id), status, std::to_string(total),
         std::to_string(hold_minutes), created_utc});
    for (const auto& l : lines) {
      exec_insert(
          "INSERT INTO booking_items (booking_id, ticket_type_id, quantity, unit_price) "
          "VALUES (?, ?, ?, ?)",
          {std::to_string(id), std::to_string(l.ticket_type_id), std::to_string(l.quantity),
           std::to_string(l.unit_price)});
    }
    return id;
  }

  std::vector<MonthlySales> monthly(const DayRange& range, MonthlyVariant variant) {
    return repo_.monthly_sales(*conn_, range, variant);
  }

  long long count(const std::string& sql) { return api_.db().query_int(sql); }

  Api api_;
  std::string admin_;
  std::unique_ptr<tiket::db::Connection> conn_;
  std::unique_ptr<tiket::db::Pool> pool_;
  tiket::reporting::ReportingRepository repo_;
  int number_ = 0;
};

TEST_F(Reports, RollupAgreesWithTheNaiveQueryThroughNewBookingsCancelsAndLatePayments) {
  tiket::reporting::ReportingService service(*pool_, *pool_, {std::chrono::seconds(600)});
  const auto organizer = user("org@tiket.test", "organizer");
  const auto alice = user("alice@tiket.test");
  const auto bob = user("bob@tiket.test");
  const auto carol = user("carol@tiket.test");
  const auto jakarta = concert(organizer, "Rock, \"Live\"", "Jakarta");
  const auto bandung = concert(organizer, "Jazz", "Bandung");
  const auto t1 = ticket_type(jakarta, "Festival", 100000, 100);
  const auto t2 = ticket_type(bandung, "VIP", 250000, 100);
  const auto t3 = ticket_type(bandung, "Tribune", 50000, 100);

  booking(alice, jakarta, "paid", "2026-01-05 10:00:00", {{t1, 2, 100000}});
  booking(bob, bandung, "paid", "2026-01-15 03:00:00", {{t2, 1, 250000}, {t3, 2, 50000}});
  // 16:59:59 UTC is 23:59:59 in Jakarta: still January. 23:30 UTC is already February 1st.
  booking(alice, jakarta, "paid", "2026-01-31 16:59:59", {{t1, 1, 100000}});
  booking(carol, jakarta, "paid", "2026-01-31 23:30:00", {{t1, 1, 100000}});
  const auto pending =
      booking(alice, bandung, "pending_payment", "2026-01-20 08:00:00", {{t2, 4, 250000}}, 30);
  booking(bob, jakarta, "cancelled", "2026-02-10 08:00:00", {{t1, 3, 100000}});
  const auto lapsed = booking(bob, jakarta, "expired", "2026-01-25 08:00:00", {{t1, 2, 100000}});
  booking(carol, bandung, "paid", "2026-03-03 05:00:00", {{t3, 5, 50000}});

  // Made an hour ago, so that the second run's overlap (10 minutes) does not reach them.
  exec("UPDATE bookings SET updated_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR");

  const DayRange q1{day(2026, 1, 1), day(2026, 3, 31)};
  const std::vector<MonthlySales> before{
      {"2026-01", 3, 6, 650000}, {"2026-02", 1, 1, 100000}, {"2026-03", 1, 5, 250000}};
  EXPECT_EQ(monthly(q1, MonthlyVariant::naive), before);
  EXPECT_EQ(monthly(q1, MonthlyVariant::indexed), before);
  EXPECT_TRUE(monthly(q1, MonthlyVariant::rollup).empty()) << "nothing rolled up yet";

  const auto first = service.rollup_sales();
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.days, 8U);  // every day with a booking, paid or not
  EXPECT_EQ(first.with_sales, 5U);
  EXPECT_EQ(monthly(q1, MonthlyVariant::rollup), before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sales_daily"), 5);
  EXPECT_EQ(count("SELECT tickets FROM sales_daily WHERE business_day = '2026-02-01'"), 1);
  EXPECT_EQ(count("SELECT revenue FROM sales_daily WHERE business_day = '2026-01-15'"), 350000);

  // Changes: a new sale, a cancelled hold, a booking paid after its hold expired (made in
  // January, paid now), and a sale whose transaction committed after the run began: its
  // updated_at is a minute before the watermark, which only the overlap looks back over.
  booking(alice, bandung, "paid", "2026-03-20 01:00:00", {{t2, 2, 250000}});
  exec("UPDATE bookings SET status = 'cancelled' WHERE id = " + std::to_string(pending));
  exec("UPDATE bookings SET status = 'paid' WHERE id = " + std::to_string(lapsed));
  const auto late = booking(carol, bandung, "paid", "2026-02-14 02:00:00", {{t3, 1, 50000}});
  exec(
      "UPDATE bookings SET updated_at = (SELECT watermark - INTERVAL 60 SECOND FROM "
      "rollup_watermarks WHERE name = 'sales_daily') WHERE id = " +
      std::to_string(late));

  const std::vector<MonthlySales> after{
      {"2026-01", 4, 8, 850000}, {"2026-02", 2, 2, 150000}, {"2026-03", 2, 7, 750000}};
  EXPECT_EQ(monthly(q1, MonthlyVariant::naive), after);
  EXPECT_EQ(monthly(q1, MonthlyVariant::indexed), after);
  EXPECT_EQ(monthly(q1, MonthlyVariant::rollup), before) << "the rollup is behind until it runs";

  // Through the job registry, as the schedule runs it.
  const auto run = api_.run_job("rollup-sales", admin_);
  EXPECT_EQ(run["outcome"], "succeeded") << run.dump();
  EXPECT_EQ(run["detail"]["days"], 4) << "only the changed days: 01-20, 01-25, 02-14, 03-20";
  EXPECT_EQ(monthly(q1, MonthlyVariant::rollup), after);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sales_daily"), 8);
  EXPECT_EQ(count("SELECT bookings FROM sales_daily WHERE business_day = '2026-01-25'"), 1);

  // A paid booking that stops counting (a sale reversed by hand) takes its day's row away.
  exec("UPDATE bookings SET status = 'cancelled' WHERE id = " + std::to_string(late));
  service.rollup_sales();
  EXPECT_EQ(count("SELECT COUNT(*) FROM sales_daily WHERE business_day = '2026-02-14'"), 0);
  EXPECT_EQ(monthly(q1, MonthlyVariant::rollup), monthly(q1, MonthlyVariant::naive));

  // Ranges that cut a month, and an empty range, agree too.
  const DayRange cut{day(2026, 1, 16), day(2026, 2, 1)};
  EXPECT_EQ(monthly(cut, MonthlyVariant::rollup), monthly(cut, MonthlyVariant::naive));
  EXPECT_EQ(monthly(cut, MonthlyVariant::indexed), monthly(cut, MonthlyVariant::naive));
  const DayRange empty{day(2025, 6, 1), day(2025, 6, 30)};
  EXPECT_TRUE(monthly(empty, MonthlyVariant::naive).empty());
  EXPECT_TRUE(monthly(empty, MonthlyVariant::rollup).empty());
}

}  // namespace
