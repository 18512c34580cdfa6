// The admin reports (issue 10) against a real tiket-api and a real database, on hand-built data
// whose answers are known: the monthly rollup agrees with the naive query through new
// bookings, a cancellation, a payment after the hold expired and a late commit; each report's
// numbers, ties and time-zone edges; who may read what; valid CSV; 400s; and request counts
// across two replicas on one database.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "db/pool.hpp"
#include "reporting/service.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/shop.hpp"
#include "support/test_db.hpp"

using tiket::reporting::DayRange;
using tiket::reporting::MonthlySales;
using tiket::reporting::MonthlyVariant;
using tiket::test::Api;
using tiket::test::EnvOverrides;
using tiket::test::HttpClient;
using tiket::test::HttpResponse;

namespace {

using namespace std::chrono;

year_month_day day(int y, unsigned m, unsigned d) {
  return {year(y), month(m), std::chrono::day(d)};
}

bool eventually(const std::function<bool()>& ready,
                std::chrono::seconds patience = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

// RFC 4180: fields separated by commas, records by CRLF; a quoted field may hold commas, CRLF
// and doubled quotes. Fails the test on anything else (a bare quote, a lone LF, no final CRLF).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        if (text[i] == '"') {
          ADD_FAILURE() << "a quote inside an unquoted field";
        }
        field += text[i++];
      }
    }
    if (i < text.size() && text[i] == ',') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (text.compare(i, 2, "\r\n") == 0) {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      i += 2;
    } else {
      ADD_FAILURE() << "expected a comma or CRLF at byte " << i;
      return rows;
    }
  }
  EXPECT_TRUE(row.empty() && field.empty()) << "the last record must end with CRLF";
  return rows;
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
  // No scheduled runs and no timed flushes: the tests run the jobs themselves.
  static EnvOverrides env() {
    return {{"JOBS_ENABLED", "false"}, {"REQUEST_COUNTS_FLUSH_INTERVAL_S", "3600"}};
  }

  Reports()
      : api_(env()),
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
      // As the booking service does: held and paid seats leave the stock counter.
      if (status == "pending_payment" || status == "paid") {
        exec_insert("UPDATE ticket_types SET available = available - ? WHERE id = ?",
                    {std::to_string(l.quantity), std::to_string(l.ticket_type_id)});
      }
    }
    return id;
  }

  std::vector<MonthlySales> monthly(const DayRange& range, MonthlyVariant variant) {
    return repo_.monthly_sales(*conn_, range, variant);
  }

  long long count(const std::string& sql) { return api_.db().query_int(sql); }

  HttpResponse get(const std::string& path, const std::string& token,
                   std::vector<std::string> headers = {}) const {
    headers.push_back(tiket::test::bearer(token));
    return HttpClient(api_.base()).get(path, headers);
  }

  // A user who can log in, made through the API (the SQL-made ones have no password).
  std::pair<std::int64_t, std::string> login_user(const std::string& email,
                                                  const std::string& role) {
    const std::string password = "Reports-pass-for-tests-7";
    const auto r = api_.post(
        "/api/users", {{"email", email}, {"password", password}, {"name", email}, {"role", role}},
        admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    const auto tokens = api_.login(email, password).json();
    return {r.json()["id"].get<std::int64_t>(), tokens["access_token"].get<std::string>()};
  }

  // The hand-built dataset most tests share. Known answers for 2026-01-01..2026-03-31:
  //   top customers: bob 350000 (1 booking, 3 tickets) and carol 350000 (2, 6) tie, bob first
  //   (lower id); alice 300000 (2, 3). alice's pending 1,000,000 and bob's cancelled and
  //   expired bookings do not count.
  //   by city: Bandung 2 bookings, 8 tickets, 600000; Jakarta 3, 4, 400000.
  //   Jakarta's 23:30 UTC booking (January 31st) counts for February 1st.
  struct Data {
    std::int64_t organizer = 0;
    std::string organizer_token;
    std::int64_t alice = 0, bob = 0, carol = 0;
    std::int64_t jakarta = 0, bandung = 0;
    std::int64_t t1 = 0, t2 = 0, t3 = 0;
  };

  Data seed() {
    Data d;
    std::tie(d.organizer, d.organizer_token) = login_user("org@tiket.test", "organizer");
    d.alice = user("alice@tiket.test");
    d.bob = user("bob@tiket.test");
    d.carol = user("carol@tiket.test");
    d.jakarta = concert(d.organizer, "Rock, \"Live\"", "Jakarta");
    d.bandung = concert(d.organizer, "Jazz", "Bandung");
    d.t1 = ticket_type(d.jakarta, "Festival", 100000, 100);
    d.t2 = ticket_type(d.bandung, "VIP", 250000, 100);
    d.t3 = ticket_type(d.bandung, "Tribune", 50000, 100);
    booking(d.alice, d.jakarta, "paid", "2026-01-05 10:00:00", {{d.t1, 2, 100000}});
    booking(d.bob, d.bandung, "paid", "2026-01-15 03:00:00", {{d.t2, 1, 250000}, {d.t3, 2, 50000}});
    booking(d.alice, d.jakarta, "paid", "2026-01-31 16:59:59", {{d.t1, 1, 100000}});
    booking(d.carol, d.jakarta, "paid", "2026-01-31 23:30:00", {{d.t1, 1, 100000}});
    booking(d.alice, d.bandung, "pending_payment", "2026-01-20 08:00:00", {{d.t2, 4, 250000}}, 30);
    booking(d.bob, d.jakarta, "cancelled", "2026-02-10 08:00:00", {{d.t1, 3, 100000}});
    booking(d.bob, d.jakarta, "expired", "2026-01-25 08:00:00", {{d.t1, 2, 100000}});
    booking(d.carol, d.bandung, "paid", "2026-03-03 05:00:00", {{d.t3, 5, 50000}});
    return d;
  }

  Api api_;
  std::string admin_;
  std::unique_ptr<tiket::db::Connection> conn_;
  std::unique_ptr<tiket::db::Pool> pool_;
  tiket::reporting::ReportingRepository repo_;
  int number_ = 0;
};

TEST_F(Reports, RollupAgreesWithTheNaiveQueryThroughNewBookingsCancelsAndLatePayments) {
  tiket::reporting::ReportingService service(*pool_, *pool_, {std::chrono::seconds(600)});
  const auto organizer = user("org-sql@tiket.test", "organizer");
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

TEST_F(Reports, TopCustomersRankPaidAmountWithTiesByUserIdAndSkipUnpaidBookings) {
  const auto d = seed();
  const auto r = get("/api/reports/top-customers?from=2026-01-01&to=2026-03-31", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body["from"], "2026-01-01");
  EXPECT_EQ(body["to"], "2026-03-31");
  const auto& items = body["items"];
  ASSERT_EQ(items.size(), 3U) << r.body;
  EXPECT_LT(d.bob, d.carol);
  EXPECT_EQ(items[0]["user_id"], d.bob);
  EXPECT_EQ(items[0]["amount"], 350000);
  EXPECT_EQ(items[0]["bookings"], 1);
  EXPECT_EQ(items[0]["tickets"], 3);
  EXPECT_EQ(items[0]["rank"], 1);
  EXPECT_EQ(items[0]["email"], "bob@tiket.test");
  EXPECT_EQ(items[1]["user_id"], d.carol);
  EXPECT_EQ(items[1]["amount"], 350000);
  EXPECT_EQ(items[1]["bookings"], 2);
  EXPECT_EQ(items[1]["tickets"], 6);
  EXPECT_EQ(items[2]["user_id"], d.alice);
  EXPECT_EQ(items[2]["amount"], 300000) << "her pending 1,000,000 is not a sale";

  const auto top = get("/api/reports/top-customers?from=2026-01-01&to=2026-03-31&limit=1", admin_);
  ASSERT_EQ(top.status, 200) << top.body;
  ASSERT_EQ(top.json()["items"].size(), 1U);
  EXPECT_EQ(top.json()["items"][0]["user_id"], d.bob);

  // January 31st in Jakarta ends at 16:59:59 UTC: carol's 23:30 UTC booking is February's.
  const auto jan = get("/api/reports/top-customers?from=2026-01-01&to=2026-01-31", admin_).json();
  ASSERT_EQ(jan["items"].size(), 2U) << jan.dump();
  EXPECT_EQ(jan["items"][0]["user_id"], d.bob);
  EXPECT_EQ(jan["items"][1]["user_id"], d.alice);
  const auto feb1 = get("/api/reports/top-customers?from=2026-02-01&to=2026-02-01", admin_).json();
  ASSERT_EQ(feb1["items"].size(), 1U) << feb1.dump();
  EXPECT_EQ(feb1["items"][0]["user_id"], d.carol);
  EXPECT_EQ(feb1["items"][0]["amount"], 100000);

  const auto none = get("/api/reports/top-customers?from=2025-06-01&to=2025-06-30", admin_);
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.json()["items"], nlohmann::json::array());
}

TEST_F(Reports, SalesByCityCountPaidBookingsByTheConcertsCityInTheBusinessDay) {
  seed();
  const auto r = get("/api/reports/sales-by-city?from=2026-01-01&to=2026-03-31", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["items"],
            (nlohmann::json::array(
                {{{"city", "Bandung"}, {"bookings", 2}, {"tickets", 8}, {"revenue", 600000}},
                 {{"city", "Jakarta"}, {"bookings", 3}, {"tickets", 4}, {"revenue", 400000}}})));
  const auto jan = get("/api/reports/sales-by-city?from=2026-01-31&to=2026-01-31", admin_);
  EXPECT_EQ(jan.json()["items"],
            (nlohmann::json::array(
                {{{"city", "Jakarta"}, {"bookings", 1}, {"tickets", 1}, {"revenue", 100000}}})))
      << "only the 23:59 Jakarta booking; the 23:30 UTC one is February 1st";
  const auto one = get("/api/reports/sales-by-city?from=2026-01-01&to=2026-03-31&limit=1", admin_);
  ASSERT_EQ(one.json()["items"].size(), 1U);
  EXPECT_EQ(one.json()["items"][0]["city"], "Bandung");
  EXPECT_EQ(get("/api/reports/sales-by-city?from=2027-01-01&to=2027-01-02", admin_).json()["items"],
            nlohmann::json::array());
}

TEST_F(Reports, MonthlySalesReadTheRollupWithEveryMonthOfTheRangeAndTheAverage) {
  seed();
  const std::string path = "/api/reports/monthly-sales?from=2026-01-01&to=2026-04-30";
  const auto before = get(path, admin_).json();
  EXPECT_EQ(before["tickets"], 0) << "nothing rolled up yet";
  EXPECT_EQ(before["rolled_up_to"], nullptr);

  EXPECT_EQ(api_.run_job("rollup-sales", admin_)["outcome"], "succeeded");
  const auto r = get(path, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body["items"],
            (nlohmann::json::array(
                {{{"month", "2026-01"}, {"bookings", 3}, {"tickets", 6}, {"revenue", 650000}},
                 {{"month", "2026-02"}, {"bookings", 1}, {"tickets", 1}, {"revenue", 100000}},
                 {{"month", "2026-03"}, {"bookings", 1}, {"tickets", 5}, {"revenue", 250000}},
                 {{"month", "2026-04"}, {"bookings", 0}, {"tickets", 0}, {"revenue", 0}}})));
  EXPECT_EQ(body["tickets"], 12);
  EXPECT_DOUBLE_EQ(body["average_tickets_per_month"].get<double>(), 3.0);
  EXPECT_TRUE(body["rolled_up_to"].is_string()) << r.body;

  const auto q1 = get("/api/reports/monthly-sales?from=2026-01-01&to=2026-03-31", admin_).json();
  EXPECT_DOUBLE_EQ(q1["average_tickets_per_month"].get<double>(), 4.0);
  const auto empty = get("/api/reports/monthly-sales?from=2025-06-01&to=2025-06-30", admin_).json();
  EXPECT_EQ(empty["items"].size(), 1U);
  EXPECT_EQ(empty["tickets"], 0);
  EXPECT_DOUBLE_EQ(empty["average_tickets_per_month"].get<double>(), 0.0);
}

TEST_F(Reports, StockCountsPaidSeatsAndRunningHoldsAndOrganizersSeeOnlyTheirOwn) {
  const auto d = seed();
  // A running hold and an overdue one on Festival. The overdue hold still holds its seats in
  // `available` until the expiry job returns them, but it is not `held` any more.
  booking(d.bob, d.jakarta, "pending_payment", "2026-03-05 01:00:00", {{d.t1, 3, 100000}}, 15);
  booking(d.carol, d.jakarta, "pending_payment", "2026-03-05 02:00:00", {{d.t1, 2, 100000}}, -1);
  const auto [other, other_token] = login_user("other-org@tiket.test", "organizer");
  const auto theirs = concert(other, "Elsewhere", "Surabaya");
  const auto t4 = ticket_type(theirs, "Floor", 75000, 50);

  const auto all = get("/api/reports/stock", admin_);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json()["items"].size(), 4U) << all.body;
  const auto festival = all.json()["items"][0];
  EXPECT_EQ(festival["ticket_type_id"], d.t1);
  EXPECT_EQ(festival["concert_title"], "Rock, \"Live\"");
  EXPECT_EQ(festival["quota"], 100);
  EXPECT_EQ(festival["sold"], 4);
  EXPECT_EQ(festival["held"], 3);
  EXPECT_EQ(festival["available"], 91);
  const auto vip = all.json()["items"][1];
  EXPECT_EQ(vip["ticket_type_id"], d.t2);
  EXPECT_EQ(vip["sold"], 1);
  EXPECT_EQ(vip["held"], 4);
  const auto tribune = all.json()["items"][2];
  EXPECT_EQ(tribune["sold"], 7);
  EXPECT_EQ(tribune["held"], 0);
  EXPECT_EQ(all.json()["items"][3]["ticket_type_id"], t4);

  const auto one = get("/api/reports/stock?concert_id=" + std::to_string(d.bandung), admin_);
  ASSERT_EQ(one.json()["items"].size(), 2U) << one.body;
  const auto by_org = get("/api/reports/stock?organizer_id=" + std::to_string(other), admin_);
  ASSERT_EQ(by_org.json()["items"].size(), 1U) << by_org.body;
  EXPECT_EQ(by_org.json()["items"][0]["ticket_type_id"], t4);

  // An organizer: their own concerts, whatever they ask for.
  const auto mine = get("/api/reports/stock", d.organizer_token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["items"].size(), 3U);
  const auto mine_body = mine.json();
  for (const auto& row : mine_body["items"]) {
    EXPECT_EQ(row["organizer_id"], d.organizer);
  }
  const auto own_only = get("/api/reports/stock", other_token);
  ASSERT_EQ(own_only.json()["items"].size(), 1U);
  EXPECT_EQ(own_only.json()["items"][0]["concert_id"], theirs);
  const auto not_theirs =
      get("/api/reports/stock?concert_id=" + std::to_string(d.jakarta), other_token);
  ASSERT_EQ(not_theirs.status, 200);
  EXPECT_EQ(not_theirs.json()["items"], nlohmann::json::array());
  EXPECT_TRUE(get("/api/reports/stock?organizer_id=" + std::to_string(d.organizer), other_token)
                  .is_problem(403));
  // An organizer reads no other report.
  EXPECT_TRUE(get("/api/reports/top-customers", d.organizer_token).is_problem(403));
}

TEST_F(Reports, CustomersAndAnonymousCallersGetNoReport) {
  const auto customer = api_.customer_tokens("cust@tiket.test")["access_token"].get<std::string>();
  for (const std::string report :
       {"top-customers", "sales-by-city", "stock", "requests-per-hour", "monthly-sales"}) {
    EXPECT_TRUE(get("/api/reports/" + report, customer).is_problem(403)) << report;
    EXPECT_TRUE(api_.get("/api/reports/" + report).is_problem(401)) << report;
  }
}

TEST_F(Reports, CsvIsRfc4180WithAHeaderRowAndQuotedFields) {
  const auto d = seed();
  const auto r = get("/api/reports/stock", admin_, {"Accept: text/csv"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.header("content-disposition"), "attachment; filename=\"stock.csv\"");
  EXPECT_NE(r.body.find("\"Rock, \"\"Live\"\"\""), std::string::npos) << r.body;
  const auto rows = parse_csv(r.body);
  ASSERT_EQ(rows.size(), 4U) << r.body;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"concert_id", "concert_title", "organizer_id",
                                               "ticket_type_id", "ticket_type", "quota", "sold",
                                               "held", "available"}));
  EXPECT_EQ(rows[1][0], std::to_string(d.jakarta));
  EXPECT_EQ(rows[1][1], "Rock, \"Live\"");
  EXPECT_EQ(rows[1][6], "4");
  for (const auto& row : rows) {
    EXPECT_EQ(row.size(), 9U);
  }

  const auto top = get("/api/reports/top-customers?from=2026-01-01&to=2026-03-31", admin_,
                       {"Accept: text/csv;q=0.9, application/json;q=0.5"});
  ASSERT_EQ(top.status, 200) << top.body;
  EXPECT_EQ(top.header("content-disposition"),
            "attachment; filename=\"top-customers_2026-01-01_2026-03-31.csv\"");
  const auto ranked = parse_csv(top.body);
  ASSERT_EQ(ranked.size(), 4U) << top.body;
  EXPECT_EQ(ranked[0], (std::vector<std::string>{"rank", "user_id", "email", "name", "bookings",
                                                 "tickets", "amount"}));
  EXPECT_EQ(ranked[1][1], std::to_string(d.bob));
  EXPECT_EQ(ranked[1][6], "350000");

  // An empty report is a header row alone; JSON stays the default.
  const auto empty =
      get("/api/reports/sales-by-city?from=2025-06-01&to=2025-06-01", admin_, {"Accept: text/csv"});
  EXPECT_EQ(empty.body, "city,bookings,tickets,revenue\r\n");
  const auto json = get("/api/reports/sales-by-city", admin_, {"Accept: */*"});
  EXPECT_EQ(json.header("content-type"), "application/json");
}

TEST_F(Reports, BadRangesAndLimitsAre400WithEveryError) {
  const auto fields = [&](const std::string& query) {
    const auto r = get("/api/reports/top-customers?" + query, admin_);
    EXPECT_TRUE(r.is_problem(400)) << query << ": " << r.status << " " << r.body;
    std::vector<std::string> out;
    if (r.status == 400) {
      const auto body = r.json();
      for (const auto& e : body["errors"]) {
        out.push_back(e["field"].get<std::string>());
      }
    }
    return out;
  };
  EXPECT_EQ(fields("from=2026-13-01"), std::vector<std::string>{"from"});
  EXPECT_EQ(fields("from=2026-02-30&to=yesterday"), (std::vector<std::string>{"from", "to"}));
  EXPECT_EQ(fields("from=2026-03-01&to=2026-02-28"), std::vector<std::string>{"to"});
  EXPECT_EQ(fields("from=2000-01-01&to=2026-01-01"), std::vector<std::string>{"to"});
  EXPECT_EQ(fields("limit=0"), std::vector<std::string>{"limit"});
  EXPECT_EQ(fields("limit=101"), std::vector<std::string>{"limit"});
  EXPECT_EQ(fields("limit=ten&form=2026-01-01"), (std::vector<std::string>{"form", "limit"}));
  EXPECT_TRUE(get("/api/reports/monthly-sales?limit=5", admin_).is_problem(400));
  EXPECT_TRUE(get("/api/reports/stock?from=2026-01-01", admin_).is_problem(400));
  EXPECT_TRUE(get("/api/reports/stock?concert_id=0", admin_).is_problem(400));
  EXPECT_TRUE(get("/api/reports/requests-per-hour?limit=1001", admin_).is_problem(400));

  // The default range: the last 30 days, today in Jakarta included (read on both sides of the
  // request, in case it straddles midnight).
  const auto before = tiket::reporting::ReportingService::today();
  const auto r = get("/api/reports/monthly-sales", admin_);
  const auto after = tiket::reporting::ReportingService::today();
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  const auto today = body["to"] == tiket::reporting::format_day(before) ? before : after;
  EXPECT_EQ(body["to"], tiket::reporting::format_day(today));
  EXPECT_EQ(body["from"], tiket::reporting::format_day(year_month_day(sys_days(today) - days(29))));
}

TEST_F(Reports, RequestsPerHourMatchWhatEachReplicaServedAfterItsFlush) {
  const auto customer_tokens = api_.customer_tokens("counted@tiket.test");
  const auto customer = customer_tokens["access_token"].get<std::string>();
  const auto customer_id = count("SELECT id FROM users WHERE email = 'counted@tiket.test'");
  auto replica_env = tiket::test::server_env(api_.db().url_string(), env());
  replica_env["LOCAL_DIR"] = api_.local_dir();
  auto replica = std::make_unique<tiket::test::Server>(TIKET_API_BIN, replica_env);

  const auto served = [&](const std::string& base, int n, const std::string& token) {
    HttpClient client(base);
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> headers;
      if (!token.empty()) {
        headers.push_back(tiket::test::bearer(token));
      }
      ASSERT_EQ(client.get("/api/bookings", headers).status, token.empty() ? 401 : 200);
    }
  };
  served(api_.base(), 7, customer);
  served(replica->base_url(), 5, customer);
  served(replica->base_url(), 3, "");  // anonymous: refused, still counted

  const auto stored = [&](std::int64_t user) {
    return count("SELECT COALESCE(SUM(requests), 0) FROM request_counts WHERE user_id = " +
                 std::to_string(user));
  };
  EXPECT_EQ(stored(customer_id), 0) << "nothing is written per request";
  EXPECT_GE(tiket::test::metric(api_, "tiket_request_counts_unflushed_cells"), 1);
  EXPECT_EQ(tiket::test::metric(api_, "tiket_request_counts_dropped_total"), 0);
  // Flush the first replica: its 7, not the other's 5. The last response can be read by the
  // client a moment before the server has counted it, so flush until it shows (bounded).
  EXPECT_TRUE(eventually([&] {
    api_.run_job("flush-request-counts", admin_);
    return stored(customer_id) >= 7;
  }));
  EXPECT_EQ(stored(customer_id), 7);
  // The second replica flushes its own counts, added onto the same (hour, user) cells.
  HttpClient to_replica(replica->base_url());
  EXPECT_TRUE(eventually([&] {
    const auto r = to_replica.post_json("/api/admin/jobs/flush-request-counts/run", "{}",
                                        {tiket::test::bearer(admin_)});
    EXPECT_TRUE(r.status == 202 || r.status == 409) << r.body;
    return stored(customer_id) >= 12 && stored(0) >= 3;
  }));
  EXPECT_EQ(stored(customer_id), 12);
  EXPECT_GE(stored(0), 3);

  // What a replica counted since its last flush is written when it shuts down.
  served(replica->base_url(), 4, customer);
  replica->process().signal(SIGTERM);
  EXPECT_EQ(replica->process().wait(std::chrono::seconds(30)), 0);
  EXPECT_EQ(stored(customer_id), 16);

  const auto r = get("/api/reports/requests-per-hour", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  long long reported = 0;
  bool anonymous = false;
  const auto body = r.json();
  for (const auto& item : body["items"]) {
    if (item["user_id"] == customer_id) {
      reported += item["requests"].get<long long>();
      EXPECT_EQ(item["email"], "counted@tiket.test");
    }
    anonymous = anonymous || item["user_id"].is_null();
  }
  EXPECT_EQ(reported, 16);
  EXPECT_TRUE(anonymous) << r.body;
}

// REPORTS_DATABASE_URL gives the reports their own pool: pointed at a server that is not there,
// the reports fail (503) while the rest of the API and the rollup job, which writes to the
// primary, go on.
TEST(ReportsPool, ReportsReadTheirOwnDatabaseAndTheRollupWritesThePrimary) {
  Api api({{"JOBS_ENABLED", "false"},
           {"REPORTS_DATABASE_URL", "mysql://nobody:nothing@127.0.0.1:1/none"},
           {"DB_CONNECT_TIMEOUT_S", "1"}});
  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  const auto r = api.get("/api/reports/stock", admin);
  EXPECT_TRUE(r.is_problem(503)) << r.status << " " << r.body;
  EXPECT_EQ(r.body.find("nobody"), std::string::npos) << "no detail of the database leaks";
  EXPECT_EQ(api.get("/api/concerts").status, 200);
  EXPECT_EQ(api.run_job("rollup-sales", admin)["outcome"], "succeeded");
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM rollup_watermarks WHERE name = "
                               "'sales_daily' AND watermark > '2000-01-01'"),
            1);
}

// A report whose query outlives DB_READ_TIMEOUT_S loses its connection: that is the database
// being unavailable (503 with Retry-After), not a 500. The query is held up deterministically:
// another session holds a write lock on concerts, so the report's read waits for it.
TEST(ReportsPool, AReportThatTimesOutIsA503AndTheNextOneWorks) {
  Api api({{"JOBS_ENABLED", "false"}, {"DB_READ_TIMEOUT_S", "1"}});
  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  auto blocker = api.db().connect();
  blocker->execute("LOCK TABLES concerts WRITE");
  const auto r = api.get("/api/reports/stock", admin);
  blocker->execute("UNLOCK TABLES");
  EXPECT_TRUE(r.is_problem(503)) << r.status << " " << r.body;
  EXPECT_FALSE(r.header("retry-after").empty()) << r.body;
  EXPECT_EQ(r.body.find("SQL"), std::string::npos) << "no detail of the database leaks";
  // The broken connection left the pool; the next report gets a good one.
  EXPECT_EQ(api.get("/api/reports/stock", admin).status, 200);
}

}  // namespace
