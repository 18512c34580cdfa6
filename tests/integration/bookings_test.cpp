// Bookings against a real tiket-api process, a real MariaDB/MySQL and real threads: every
// concurrency claim in docs (never oversells, per-user limits, one booking per
// Idempotency-Key, stock returned exactly once, deadlocks retried) has a test here that fires
// the requests in parallel and then checks the database.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <latch>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "booking/repository.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/shop.hpp"

using tiket::test::Api;
using tiket::test::EnvOverrides;
using tiket::test::HttpResponse;
using tiket::test::items;
using tiket::test::metric;

namespace {

// The calendar day in Asia/Jakarta (UTC+7 all year, no daylight saving) at `t`.
std::string jakarta_day(std::time_t t) {
  const std::time_t local = t + 7 * 3600;
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

class Bookings : public ::testing::Test {
 protected:
  explicit Bookings(EnvOverrides env = {{"CATALOG_CACHE_TTL_MS", "0"}})
      : api_(std::move(env)), admin_(api_.admin_tokens()["access_token"].get<std::string>()) {}

  tiket::test::Concert concert(const std::vector<tiket::test::TypeSpec>& specs,
                               bool publish = true) {
    return tiket::test::create_concert(api_, admin_, specs, publish);
  }

  std::string customer(const std::string& name) {
    return api_.customer_tokens(name + "@example.id")["access_token"].get<std::string>();
  }

  HttpResponse book(const std::string& token, std::int64_t concert_id, const nlohmann::json& list,
                    const std::string& key) const {
    return tiket::test::book(api_, token, concert_id, list, key);
  }

  long long available(std::int64_t type) {
    return api_.db().query_int("SELECT available FROM ticket_types WHERE id = " +
                               std::to_string(type));
  }

  long long count(const std::string& where = "1 = 1") {
    return api_.db().query_int("SELECT COUNT(*) FROM bookings WHERE " + where);
  }

  // Everything a failed booking must leave untouched.
  std::vector<long long> snapshot() {
    return {api_.db().query_int("SELECT COUNT(*) FROM bookings"),
            api_.db().query_int("SELECT COUNT(*) FROM booking_items"),
            api_.db().query_int("SELECT COALESCE(SUM(available), 0) FROM ticket_types"),
            api_.db().query_int("SELECT COUNT(*) FROM idempotency_keys"),
            api_.db().query_int("SELECT COALESCE(SUM(last_number), 0) FROM booking_code_counters")};
  }

  HttpResponse cancel(const std::string& token, const std::string& code) const {
    return api_.post("/api/bookings/" + code + "/cancel", nlohmann::json::object(), token);
  }

  Api api_;
  std::string admin_;
};

class BookingsWithALongCacheTtl : public Bookings {
 protected:
  BookingsWithALongCacheTtl() : Bookings({{"CATALOG_CACHE_TTL_MS", "60000"}}) {}
};

// The tests that must hold whichever way bookings are written (BOOKING_WRITE_MODE, ADR 0018):
// one transaction per request, or group commits. Enough workers for batches to form.
EnvOverrides in_mode(const std::string& mode, EnvOverrides env = {}) {
  env.emplace("CATALOG_CACHE_TTL_MS", "0");
  env["BOOKING_WRITE_MODE"] = mode;
  env["WORKER_THREADS"] = "16";
  return env;
}

class BookingModes : public Bookings, public ::testing::WithParamInterface<std::string> {
 protected:
  BookingModes() : Bookings(in_mode(GetParam())) {}
};

class BookingModesWithManualExpiry : public Bookings,
                                     public ::testing::WithParamInterface<std::string> {
 protected:
  BookingModesWithManualExpiry()
      : Bookings(in_mode(GetParam(), {{"BOOKING_EXPIRY_INTERVAL_S", "3600"}})) {}
};

class BookingModesWithFastExpiry : public Bookings,
                                   public ::testing::WithParamInterface<std::string> {
 protected:
  BookingModesWithFastExpiry()
      : Bookings(in_mode(GetParam(), {{"BOOKING_EXPIRY_INTERVAL_S", "1"}})) {}
};

std::string mode_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(WriteModes, BookingModes, ::testing::Values("single", "batched"),
                         mode_name);
INSTANTIATE_TEST_SUITE_P(WriteModes, BookingModesWithManualExpiry,
                         ::testing::Values("single", "batched"), mode_name);
INSTANTIATE_TEST_SUITE_P(WriteModes, BookingModesWithFastExpiry,
                         ::testing::Values("single", "batched"), mode_name);

TEST_P(BookingModes, CreatesAPendingBookingPricedFromTheDatabase) {
  const auto c = concert({{"Festival", 350000, 10}, {"VIP", 1250000, 5}});
  const auto budi = customer("budi");
  const auto before = std::time(nullptr);
  // A price sent by the client is ignored.
  const auto r = api_.post("/api/bookings",
                           {{"concert_id", c.id},
                            {"items",
                             {{{"ticket_type_id", c.types[1]}, {"quantity", 1}, {"unit_price", 1}},
                              {{"ticket_type_id", c.types[0]}, {"quantity", 2}, {"price", 1}}}}},
                           budi, {"Idempotency-Key: first-booking"});
  const auto after = std::time(nullptr);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto b = r.json();
  EXPECT_EQ(b["status"], "pending_payment");
  EXPECT_EQ(b["concert_id"], c.id);
  EXPECT_EQ(b["total_amount"], 2 * 350000 + 1250000);
  ASSERT_EQ(b["items"].size(), 2U);
  for (const auto& item : b["items"]) {
    EXPECT_EQ(item["unit_price"], item["ticket_type_id"] == c.types[0] ? 350000 : 1250000);
  }
  const auto code = b["code"].get<std::string>();
  EXPECT_TRUE(std::regex_match(code, std::regex(R"(TIX-\d{8}-000001)"))) << code;
  // The date is the business day in Asia/Jakarta (the default BUSINESS_TZ).
  const auto day = code.substr(4, 8);
  EXPECT_TRUE(day == jakarta_day(before) || day == jakarta_day(after)) << code;
  EXPECT_EQ(r.header("location"), "/api/bookings/" + code);
  // The hold lasts BOOKING_HOLD_MINUTES (15).
  EXPECT_EQ(api_.db().query_int("SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM "
                                "bookings WHERE code = '" +
                                code + "'"),
            15 * 60);
  EXPECT_EQ(available(c.types[0]), 8);
  EXPECT_EQ(available(c.types[1]), 4);
  // The live count is what the catalog shows.
  const auto shown = api_.get("/api/concerts/" + std::to_string(c.id)).json();
  for (const auto& t : shown["ticket_types"]) {
    EXPECT_EQ(t["available"], t["id"] == c.types[0] ? 8 : 4);
  }
}

TEST_P(BookingModes, RushOf90ForThirtySeatsSellsExactlyThirtyWithContiguousCodes) {
  const auto c = concert({{"Festival", 350000, 30}});
  std::vector<std::string> customers;
  for (int i = 0; i < 12; ++i) {
    customers.push_back(customer("fan" + std::to_string(i)));
  }
  constexpr int kRequests = 90;
  std::latch start(kRequests);
  std::mutex mutex;
  std::map<long, int> statuses;
  std::vector<std::string> codes;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const auto r = book(customers[static_cast<std::size_t>(i % 12)], c.id,
                          items({{c.types[0], 1}}), "rush-" + std::to_string(i));
      const std::lock_guard lock(mutex);
      ++statuses[r.status];
      if (r.status == 201) {
        codes.push_back(r.json()["code"].get<std::string>());
      } else {
        EXPECT_TRUE(r.is_problem(409)) << r.status << " " << r.body;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(statuses[201], 30);
  EXPECT_EQ(statuses[409], 60);
  EXPECT_EQ(statuses.size(), 2U) << "only 201 and 409 are acceptable";
  EXPECT_EQ(available(c.types[0]), 0);
  EXPECT_EQ(count(), 30);
  EXPECT_EQ(api_.db().query_int("SELECT SUM(quantity) FROM booking_items"), 30);
  // Unique and contiguous: 1..30 on this fresh database, whatever order they committed in.
  std::set<std::string> unique(codes.begin(), codes.end());
  EXPECT_EQ(unique.size(), codes.size());
  std::vector<int> numbers;
  for (const auto& code : codes) {
    numbers.push_back(std::stoi(code.substr(13)));
  }
  std::sort(numbers.begin(), numbers.end());
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    EXPECT_EQ(numbers[i], static_cast<int>(i) + 1);
  }
}

TEST_P(BookingModes, PerUserLimitHoldsWhenTheSameCustomerFiresInParallel) {
  const auto c = concert({{"VIP", 1250000, 100, 4}});
  const auto budi = customer("budi");
  constexpr int kRequests = 10;
  std::latch start(kRequests);
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const auto r = book(budi, c.id, items({{c.types[0], 1}}), "limit-" + std::to_string(i));
      if (r.status == 201) {
        ++created;
      } else if (r.is_problem(422)) {
        ++refused;
      } else {
        ADD_FAILURE() << r.status << " " << r.body;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(created.load(), 4);
  EXPECT_EQ(refused.load(), 6);
  EXPECT_EQ(api_.db().query_int("SELECT SUM(quantity) FROM booking_items"), 4);
  EXPECT_EQ(available(c.types[0]), 96);
  // Another customer has their own allowance.
  EXPECT_EQ(book(customer("siti"), c.id, items({{c.types[0], 4}}), "siti-1").status, 201);
  // A cancelled booking no longer counts against the limit.
  const auto mine = api_.get("/api/bookings", budi).json();
  ASSERT_FALSE(mine["items"].empty());
  EXPECT_EQ(cancel(budi, mine["items"][0]["code"].get<std::string>()).status, 200);
  EXPECT_EQ(book(budi, c.id, items({{c.types[0], 1}}), "limit-after-cancel").status, 201);
}

TEST_P(BookingModes, SameKeySameBodyReplaysDifferentBodyIs422) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  const auto first = book(budi, c.id, items({{c.types[0], 2}}), "key-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again = book(budi, c.id, items({{c.types[0], 2}}), "key-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(available(c.types[0]), 8);

  const auto different = book(budi, c.id, items({{c.types[0], 3}}), "key-1");
  EXPECT_TRUE(different.is_problem(422)) << different.status << " " << different.body;
  EXPECT_EQ(count(), 1);

  // Keys are scoped per user: another customer's identical key is a different booking.
  const auto siti = book(customer("siti"), c.id, items({{c.types[0], 2}}), "key-1");
  EXPECT_EQ(siti.status, 201) << siti.body;
  EXPECT_NE(siti.json()["code"], first.json()["code"]);
  EXPECT_EQ(count(), 2);
  // Kept for 24 hours.
  EXPECT_EQ(api_.db().query_int("SELECT MIN(TIMESTAMPDIFF(HOUR, created_at, expires_at)) FROM "
                                "idempotency_keys"),
            24);
}

TEST_P(BookingModes, EightParallelRequestsWithOneKeyMakeExactlyOneBooking) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  constexpr int kRequests = 8;
  std::latch start(kRequests);
  std::mutex mutex;
  std::vector<HttpResponse> responses;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto r = book(budi, c.id, items({{c.types[0], 1}}), "same-key");
      const std::lock_guard lock(mutex);
      responses.push_back(std::move(r));
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(available(c.types[0]), 9);
  // The duplicates wait for the first and replay its response.
  int replayed = 0;
  for (const auto& r : responses) {
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.body, responses.front().body);
    replayed += r.header("idempotent-replayed") == "true" ? 1 : 0;
  }
  EXPECT_EQ(replayed, kRequests - 1);
}

TEST_P(BookingModes, OwnerCancelsOnceAndTheStockComesBack) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  const auto code =
      book(budi, c.id, items({{c.types[0], 3}}), "k").json()["code"].get<std::string>();
  EXPECT_EQ(available(c.types[0]), 7);

  EXPECT_TRUE(cancel(siti, code).is_problem(404)) << "someone else's booking is invisible";
  const auto r = cancel(budi, code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "cancelled");
  EXPECT_EQ(available(c.types[0]), 10);
  const auto again = cancel(budi, code);
  EXPECT_TRUE(again.is_problem(409)) << again.status << " " << again.body;
  EXPECT_EQ(available(c.types[0]), 10);

  // An admin may cancel anyone's booking.
  const auto other =
      book(siti, c.id, items({{c.types[0], 1}}), "k").json()["code"].get<std::string>();
  EXPECT_EQ(cancel(admin_, other).status, 200);
  EXPECT_EQ(available(c.types[0]), 10);
}

TEST_P(BookingModes, TwoCancelsRacingReturnTheStockOnce) {
  const auto c = concert({{"Festival", 350000, 50}});
  const auto budi = customer("budi");
  std::vector<std::string> codes;
  for (int i = 0; i < 10; ++i) {
    const auto r = book(budi, c.id, items({{c.types[0], 2}}), "k" + std::to_string(i));
    ASSERT_EQ(r.status, 201) << r.body;
    codes.push_back(r.json()["code"].get<std::string>());
  }
  EXPECT_EQ(available(c.types[0]), 30);
  std::latch start(20);
  std::atomic<int> ok{0};
  std::atomic<int> conflict{0};
  std::vector<std::thread> threads;
  for (const auto& code : codes) {
    for (const std::string* who : std::array<const std::string*, 2>{&budi, &admin_}) {
      threads.emplace_back([&, code, who] {
        start.arrive_and_wait();
        const auto r = cancel(*who, code);
        if (r.status == 200) {
          ++ok;
        } else if (r.is_problem(409)) {
          ++conflict;
        } else {
          ADD_FAILURE() << r.status << " " << r.body;
        }
      });
    }
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(conflict.load(), 10);
  EXPECT_EQ(available(c.types[0]), 50);
  EXPECT_EQ(count("status = 'cancelled'"), 10);
}

TEST_P(BookingModesWithManualExpiry, CancelRacingTheExpiryReturnsTheStockOnce) {
  const auto c = concert({{"Festival", 350000, 40}});
  const auto budi = customer("budi");
  std::vector<std::string> codes;
  for (int i = 0; i < 12; ++i) {
    const auto r = book(budi, c.id, items({{c.types[0], 3}}), "k" + std::to_string(i));
    ASSERT_EQ(r.status, 201) << r.body;
    codes.push_back(r.json()["code"].get<std::string>());
  }
  EXPECT_EQ(available(c.types[0]), 4);
  // Every hold is now overdue: the expiry and the cancels compete for each one.
  api_.db().connect()->execute(
      "UPDATE bookings SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE");

  constexpr int kExpiryRuns = 2;
  std::latch start(static_cast<std::ptrdiff_t>(codes.size()) + kExpiryRuns);
  std::atomic<int> cancelled{0};
  std::atomic<long long> expired{0};
  std::vector<std::thread> threads;
  for (const auto& code : codes) {
    threads.emplace_back([&, code] {
      start.arrive_and_wait();
      const auto r = cancel(budi, code);
      if (r.status == 200) {
        ++cancelled;
      } else if (!r.is_problem(409)) {
        ADD_FAILURE() << r.status << " " << r.body;
      }
    });
  }
  for (int i = 0; i < kExpiryRuns; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      // The lease lets one run at a time: each waits for its turn (409) and then runs.
      const auto run = api_.run_job("expire-bookings", admin_);
      ASSERT_EQ(run["outcome"], "succeeded") << run.dump();
      expired += run["detail"]["expired"].get<long long>();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(cancelled.load() + expired.load(), 12);
  EXPECT_EQ(count("status = 'cancelled'"), cancelled.load());
  EXPECT_EQ(count("status = 'expired'"), expired.load());
  EXPECT_EQ(available(c.types[0]), 40);
  // A later run finds nothing more to do.
  EXPECT_EQ(api_.run_job("expire-bookings", admin_)["detail"]["expired"], 0);
  EXPECT_EQ(available(c.types[0]), 40);
}

TEST_P(BookingModesWithFastExpiry, TheTimerExpiresOverdueHoldsAndReturnsTheirStock) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  const auto code =
      book(budi, c.id, items({{c.types[0], 4}}), "k").json()["code"].get<std::string>();
  EXPECT_EQ(available(c.types[0]), 6);
  api_.db().connect()->execute(
      "UPDATE bookings SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count("status = 'expired'") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(api_.get("/api/bookings/" + code, budi).json()["status"], "expired");
  EXPECT_EQ(available(c.types[0]), 10);
  EXPECT_TRUE(cancel(budi, code).is_problem(409));
}

TEST_P(BookingModes, AForcedDeadlockIsRetriedAndTheBookingSucceeds) {
  const auto c = concert({{"Festival", 350000, 10}, {"VIP", 1250000, 10}});
  const auto budi = customer("budi");
  const auto a = std::to_string(c.types[0]);
  const auto b = std::to_string(c.types[1]);
  auto blocker = api_.db().connect();
  blocker->execute("CREATE TABLE deadlock_ballast (v INT NOT NULL)");
  // Long enough for the whole test: the booking's own lock waits end after
  // DB_READ_TIMEOUT_S - 1 (4 s) and are retried.
  blocker->execute("SET SESSION innodb_lock_wait_timeout = 60");
  // The blocker is made heavy (hundreds of undo records) so that InnoDB picks the booking,
  // the lighter transaction, as the deadlock victim: that is the path under test.
  blocker->begin();
  blocker->execute(
      "INSERT INTO deadlock_ballast (v) WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 "
      "FROM s WHERE n < 500) SELECT n FROM s");
  blocker->execute("SELECT available FROM ticket_types WHERE id = " + b + " FOR UPDATE");

  HttpResponse booked;
  std::thread booking([&] {
    // Locks A (the lower id) first, then waits for B.
    booked = book(budi, c.id, items({{c.types[0], 1}, {c.types[1], 1}}), "deadlock");
  });
  // Wait until the booking sits in its stock update (waiting for B) for two polls in a row.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int seen = 0;
  while (seen < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // One transaction per request waits in its conditional update; a group commit waits in
    // the locking read of the batch's stock rows.
    const std::string statement = GetParam() == "batched"
                                      ? "SELECT id, available FROM ticket_types WHERE id IN (%"
                                      : "UPDATE ticket_types SET available = available - %";
    const auto waiting = api_.db().query_int(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '" + statement + "'");
    seen = waiting > 0 ? seen + 1 : 0;
  }
  ASSERT_EQ(seen, 2) << "the booking never reached its stock update";
  // Now ask for A: a cycle. The booking is rolled back as the victim and runs again.
  blocker->execute("UPDATE ticket_types SET available = available WHERE id = " + a);
  blocker->rollback();
  booking.join();

  ASSERT_EQ(booked.status, 201) << booked.body << api_.server().process().output();
  EXPECT_GE(metric(api_, R"(tiket_db_transaction_retries_total{error="deadlock"})"), 1);
  EXPECT_EQ(available(c.types[0]), 9);
  EXPECT_EQ(available(c.types[1]), 9);
  EXPECT_EQ(count(), 1);
  EXPECT_TRUE(
      std::regex_match(booked.json()["code"].get<std::string>(), std::regex(R"(TIX-\d{8}-000001)")))
      << "the rolled-back attempt did not burn a number";
}

TEST_P(BookingModes, BadInputIsA4xxProblemAndLeavesTheDatabaseUnchanged) {
  const auto c = concert({{"Festival", 350000, 10, 4}, {"Tribune", 200000, 10}});
  const auto other = concert({{"Other", 100000, 10}});
  const auto draft = concert({{"Draft", 100000, 10}}, false);
  const auto budi = customer("budi");
  // One good booking first, so that the counters and keys are not trivially empty.
  ASSERT_EQ(book(budi, c.id, items({{c.types[0], 1}}), "good").status, 201);
  const auto before = snapshot();

  const auto type = c.types[0];
  struct Case {
    std::string name;
    std::string body;
    std::vector<std::string> headers;
    std::string token;
    long status;
  };
  const auto body = [&](const std::string& list, std::int64_t concert_id) {
    return R"({"concert_id":)" + std::to_string(concert_id) + R"(,"items":)" + list + "}";
  };
  const auto item = [&](const std::string& quantity, std::int64_t t) {
    return R"([{"ticket_type_id":)" + std::to_string(t) + R"(,"quantity":)" + quantity + "}]";
  };
  const std::vector<std::string> key = {"Idempotency-Key: bad-input"};
  const std::vector<Case> cases = {
      {"quantity 0", body(item("0", type), c.id), key, budi, 400},
      {"quantity -1", body(item("-1", type), c.id), key, budi, 400},
      {"quantity as a string", body(item(R"("2")", type), c.id), key, budi, 400},
      {"quantity 1.5", body(item("1.5", type), c.id), key, budi, 400},
      {"huge quantity", body(item("1000000000000", type), c.id), key, budi, 400},
      {"quantity beyond int64", body(item("99999999999999999999999", type), c.id), key, budi, 400},
      {"quantity null", body(item("null", type), c.id), key, budi, 400},
      {"unknown ticket type", body(item("1", 999999), c.id), key, budi, 422},
      {"another concert's ticket type", body(item("1", other.types[0]), c.id), key, budi, 422},
      {"draft concert", body(item("1", draft.types[0]), draft.id), key, budi, 404},
      {"unknown concert", body(item("1", type), 999999), key, budi, 404},
      {"over the per-user limit", body(item("4", type), c.id), key, budi, 422},
      {"more than the stock", body(item("11", c.types[1]), c.id), key, budi, 409},
      {"no items", body("[]", c.id), key, budi, 400},
      {"items not an array", body(R"({"a":1})", c.id), key, budi, 400},
      {"same ticket type twice",
       body(R"([{"ticket_type_id":)" + std::to_string(type) +
                R"(,"quantity":1},{"ticket_type_id":)" + std::to_string(type) +
                R"(,"quantity":1}])",
            c.id),
       key, budi, 400},
      {"unknown field",
       R"({"concert_id":)" + std::to_string(c.id) + R"(,"items":)" + item("1", type) +
           R"(,"discount":100})",
       key, budi, 400},
      {"missing concert_id", R"({"items":)" + item("1", type) + "}", key, budi, 400},
      {"malformed JSON", R"({"concert_id":)", key, budi, 400},
      {"missing Idempotency-Key", body(item("1", type), c.id), {}, budi, 400},
      {"Idempotency-Key too long",
       body(item("1", type), c.id),
       {"Idempotency-Key: " + std::string(256, 'k')},
       budi,
       400},
      {"anonymous caller", body(item("1", type), c.id), key, "", 401},
      {"an admin is not a customer", body(item("1", type), c.id), key, admin_, 403},
  };
  for (const auto& t : cases) {
    auto headers = t.headers;
    headers.emplace_back("Content-Type: application/json");
    if (!t.token.empty()) {
      headers.push_back(tiket::test::bearer(t.token));
    }
    const auto r =
        tiket::test::HttpClient(api_.base()).request("POST", "/api/bookings", t.body, headers);
    EXPECT_TRUE(r.is_problem(t.status)) << t.name << ": " << r.status << " " << r.body;
    EXPECT_EQ(snapshot(), before) << t.name << " changed the database";
  }
}

namespace {
// Bounded admission (ADR 0018) made small enough to fill: one booking transaction at a time
// and no line to wait in.
class BookingsWithOneTransactionSlot : public Bookings {
 protected:
  BookingsWithOneTransactionSlot()
      : Bookings({{"CATALOG_CACHE_TTL_MS", "0"},
                  {"BOOKING_MAX_IN_FLIGHT", "1"},
                  {"BOOKING_MAX_WAITING", "0"}}) {}
};
}  // namespace

TEST_F(BookingsWithOneTransactionSlot, ABookingBeyondTheLineIs503AndLeavesNothingBehind) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  const auto sari = customer("sari");
  const auto budi_id =
      std::to_string(api_.db().query_int("SELECT id FROM users WHERE email = 'budi@example.id'"));
  // Budi's booking takes the only slot and then waits for his customer row, held here.
  auto blocker = api_.db().connect();
  blocker->execute("SET SESSION innodb_lock_wait_timeout = 60");
  blocker->begin();
  blocker->execute("SELECT id FROM users WHERE id = " + budi_id + " FOR UPDATE");
  HttpResponse first;
  std::thread booking([&] { first = book(budi, c.id, items({{c.types[0], 2}}), "budi-1"); });
  const auto running = R"(tiket_booking_transactions{state="running"})";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (metric(api_, running) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(metric(api_, running), 1) << "Budi's booking never took the slot";

  const auto before = snapshot();
  const auto turned = book(sari, c.id, items({{c.types[0], 3}}), "sari-1");
  EXPECT_TRUE(turned.is_problem(503)) << turned.status << " " << turned.body;
  const auto retry_after = std::stoi(turned.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3);
  EXPECT_EQ(snapshot(), before) << "a turned-away booking changed the database";
  EXPECT_EQ(metric(api_, R"(tiket_bookings_total{outcome="busy"})"), 1);

  blocker->rollback();
  booking.join();
  ASSERT_EQ(first.status, 201) << first.body;
  // The same key again, once the slot is free: a normal booking, not a replay of the 503.
  const auto again = book(sari, c.id, items({{c.types[0], 3}}), "sari-1");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(count(), 2);
  EXPECT_EQ(available(c.types[0]), 5);
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM idempotency_keys"), 2);
  EXPECT_EQ(metric(api_, running), 0);
}

TEST_F(Bookings, ReadingBookingsIsLimitedToTheOwnerOrAnAdmin) {
  const auto c = concert({{"Festival", 350000, 20}});
  const auto c2 = concert({{"Festival", 350000, 20}});
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  std::vector<std::string> budi_codes;
  for (int i = 0; i < 5; ++i) {
    budi_codes.push_back(book(budi, i < 3 ? c.id : c2.id,
                              items({{i < 3 ? c.types[0] : c2.types[0], 1}}),
                              "b" + std::to_string(i))
                             .json()["code"]
                             .get<std::string>());
  }
  const auto siti_code =
      book(siti, c.id, items({{c.types[0], 1}}), "s").json()["code"].get<std::string>();
  ASSERT_EQ(cancel(budi, budi_codes[0]).status, 200);

  EXPECT_EQ(api_.get("/api/bookings/" + budi_codes[1], budi).status, 200);
  EXPECT_EQ(api_.get("/api/bookings/" + budi_codes[1], admin_).status, 200);
  EXPECT_TRUE(api_.get("/api/bookings/" + budi_codes[1], siti).is_problem(404));
  EXPECT_TRUE(api_.get("/api/bookings/TIX-20990101-000001", budi).is_problem(404));
  EXPECT_TRUE(api_.get("/api/bookings/not-a-code", budi).is_problem(404));
  EXPECT_TRUE(api_.get("/api/bookings/" + budi_codes[1]).is_problem(401));

  // Own list, newest first, walked page by page.
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const auto r =
        api_.get("/api/bookings?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), budi);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto doc = r.json();
    for (const auto& b : doc["items"]) {
      seen.push_back(b["code"].get<std::string>());
      EXPECT_EQ(b["user_id"], doc["items"][0]["user_id"]);
    }
    if (doc["next_cursor"].is_null()) {
      break;
    }
    cursor = doc["next_cursor"].get<std::string>();
  }
  std::vector<std::string> expected(budi_codes.rbegin(), budi_codes.rend());
  EXPECT_EQ(seen, expected);

  // Filters; a customer cannot look at someone else's list.
  EXPECT_EQ(api_.get("/api/bookings?status=cancelled", budi).json()["items"].size(), 1U);
  EXPECT_EQ(
      api_.get("/api/bookings?concert_id=" + std::to_string(c2.id), budi).json()["items"].size(),
      2U);
  const auto siti_id = api_.get("/api/bookings/" + siti_code, siti).json()["user_id"];
  EXPECT_TRUE(api_.get("/api/bookings?user_id=" + siti_id.dump(), budi).is_problem(403));
  // An admin sees everyone's, and filters by user.
  EXPECT_EQ(api_.get("/api/bookings?limit=100", admin_).json()["items"].size(), 6U);
  const auto by_siti = api_.get("/api/bookings?user_id=" + siti_id.dump(), admin_).json();
  ASSERT_EQ(by_siti["items"].size(), 1U);
  EXPECT_EQ(by_siti["items"][0]["code"], siti_code);
  // Bad query values.
  for (const auto* query : {"?status=unpaid", "?limit=0", "?limit=101", "?cursor=zzz",
                            "?concert_id=abc", "?colour=red"}) {
    EXPECT_TRUE(api_.get(std::string("/api/bookings") + query, admin_).is_problem(400)) << query;
  }
}

TEST_F(Bookings, ARolledBackCodeNumberIsHandedOutAgain) {
  // The counter row is part of the booking's transaction: whatever rolls back after the
  // number was taken gives it back, and a second transaction waits rather than skipping ahead.
  const tiket::booking::BookingRepository repo;
  auto first = api_.db().connect();
  auto second = api_.db().connect();
  first->begin();
  EXPECT_EQ(repo.next_day_number(*first, "2026-11-21"), 1U);
  EXPECT_EQ(repo.next_day_number(*first, "2026-11-21"), 2U);
  std::uint32_t taken_by_second = 0;
  std::thread waiter([&] {
    second->begin();
    taken_by_second = repo.next_day_number(*second, "2026-11-21");  // blocks on the row
    second->commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  first->rollback();
  waiter.join();
  EXPECT_EQ(taken_by_second, 1U);
  // Days are independent.
  first->begin();
  EXPECT_EQ(repo.next_day_number(*first, "2026-11-22"), 1U);
  EXPECT_EQ(repo.next_day_number(*first, "2026-11-21"), 2U);
  first->commit();
}

TEST_F(BookingsWithALongCacheTtl, ABookingOrCancelDropsThisReplicasCachedAvailability) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto path = "/api/concerts/" + std::to_string(c.id);
  const auto shown = [&] { return api_.get(path).json()["ticket_types"][0]["available"]; };
  EXPECT_EQ(shown(), 10);  // now cached for a minute
  const auto budi = customer("budi");
  const auto code =
      book(budi, c.id, items({{c.types[0], 3}}), "k").json()["code"].get<std::string>();
  EXPECT_EQ(shown(), 7) << "the booking must not leave the cached count behind";
  ASSERT_EQ(cancel(budi, code).status, 200);
  EXPECT_EQ(shown(), 10);
}

// The sold-out shortcut (ADR 0018): once this replica has read that a type is gone, a booking
// for it is answered 409 without a transaction; a retry of a booking that went through still
// gets its saved answer, and this replica's own cancel brings the seats back at once.
TEST_P(BookingModes, AKnownSoldOutIsAnsweredWithoutATransactionAndForgottenOnACancel) {
  const auto c = concert({{"Festival", 350000, 2}});
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  const auto first = book(budi, c.id, items({{c.types[0], 2}}), "budi-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const auto before = snapshot();
  const std::string asked = R"(tiket_bookings_total{outcome="sold_out"})";
  const std::string known = R"(tiket_bookings_total{outcome="sold_out_known"})";
  constexpr int kTries = 6;
  for (int i = 0; i < kTries; ++i) {
    const auto r = book(siti, c.id, items({{c.types[0], 1}}), "siti-" + std::to_string(i));
    EXPECT_TRUE(r.is_problem(409)) << r.status << " " << r.body;
    EXPECT_NE(r.body.find("type " + std::to_string(c.types[0])), std::string::npos) << r.body;
  }
  // The first asked the database, which read the stock for the rest (a machine stalled past
  // the bound would make one more ask again: still one answer per request, either way).
  EXPECT_EQ(metric(api_, asked) + metric(api_, known), kTries);
  EXPECT_GE(metric(api_, known), 1);
  EXPECT_EQ(snapshot(), before);

  const auto replay = book(budi, c.id, items({{c.types[0], 2}}), "budi-1");
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.body, first.body);

  ASSERT_EQ(cancel(budi, first.json()["code"].get<std::string>()).status, 200);
  const auto after = book(siti, c.id, items({{c.types[0], 2}}), "siti-after");
  EXPECT_EQ(after.status, 201) << after.body;
  EXPECT_EQ(available(c.types[0]), 0);
}

// The sold-out lane (ADR 0018): requests the estimate refuses are answered from one thread that
// checks the keys of all of them with one read, and never from a worker. Fired at once, the
// retries of bookings that went through still get their saved answers and the rest get 409,
// and nothing in the database moves.
TEST_P(BookingModes, RetriesAndNewRequestsRacingIntoAKnownSoldOutEachGetTheirOwnAnswer) {
  const auto c = concert({{"Festival", 350000, 6}});
  constexpr std::size_t kBuyers = 3;
  std::vector<std::string> buyers;
  std::vector<HttpResponse> firsts;
  for (std::size_t i = 0; i < kBuyers; ++i) {
    buyers.push_back(customer("buyer" + std::to_string(i)));
    firsts.push_back(book(buyers.back(), c.id, items({{c.types[0], 2}}), "first"));
    ASSERT_EQ(firsts.back().status, 201) << firsts.back().body;
  }
  const auto late = customer("late");
  ASSERT_TRUE(book(late, c.id, items({{c.types[0], 1}}), "teach").is_problem(409));
  const auto before = snapshot();
  const std::string asked = R"(tiket_bookings_total{outcome="sold_out"})";
  const std::string known = R"(tiket_bookings_total{outcome="sold_out_known"})";
  const std::string groups = "tiket_booking_sold_out_groups_total";
  const auto asked_before = metric(api_, asked);
  const auto known_before = metric(api_, known);
  const auto groups_before = metric(api_, groups);

  constexpr std::size_t kNew = 30;
  std::vector<HttpResponse> replays(kBuyers);
  std::vector<HttpResponse> refused(kNew);
  std::latch go(static_cast<std::ptrdiff_t>(kBuyers + kNew));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      replays[i] = book(buyers[i], c.id, items({{c.types[0], 2}}), "first");
    });
  }
  for (std::size_t i = 0; i < kNew; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      refused[i] =
          book(buyers[i % kBuyers], c.id, items({{c.types[0], 1}}), "again-" + std::to_string(i));
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (std::size_t i = 0; i < kBuyers; ++i) {
    EXPECT_EQ(replays[i].status, 201) << replays[i].body;
    EXPECT_EQ(replays[i].body, firsts[i].body) << "a retry gets its saved answer, byte for byte";
    EXPECT_EQ(replays[i].header("idempotent-replayed"), "true");
  }
  for (const auto& r : refused) {
    EXPECT_TRUE(r.is_problem(409)) << r.status << " " << r.body;
  }
  EXPECT_EQ(snapshot(), before) << "sold-out answers and replays changed the database";
  // Each new request was refused once: by the lane from the estimate, or (a machine stalled
  // past the estimate's bound) by the database.
  EXPECT_EQ(metric(api_, asked) - asked_before + metric(api_, known) - known_before,
            static_cast<double>(kNew));
  const auto lane_reads = metric(api_, groups) - groups_before;
  EXPECT_GE(lane_reads, 1);
  EXPECT_LE(lane_reads, metric(api_, known) - known_before + static_cast<double>(kBuyers));
}

// The lane's read: which of many (user, key) pairs have an unexpired saved answer. More pairs
// than one statement takes, with absent and expired ones among them.
TEST_F(Bookings, LiveKeysAreFoundAmongManyPairsAndExpiredOnesAreNot) {
  const auto c = concert({{"Festival", 350000, 10}});
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  ASSERT_EQ(book(budi, c.id, items({{c.types[0], 1}}), "live-b").status, 201);
  ASSERT_EQ(book(siti, c.id, items({{c.types[0], 1}}), "live-s").status, 201);
  ASSERT_EQ(book(siti, c.id, items({{c.types[0], 1}}), "expired-s").status, 201);
  auto conn = api_.db().connect();
  conn->execute(
      "UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND "
      "WHERE idem_key = 'expired-s'");
  std::map<std::string, std::int64_t> user_of;
  {
    auto& stmt = conn->prepare("SELECT user_id, idem_key FROM idempotency_keys");
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      user_of[std::string(rs->getString("idem_key"))] = rs->getInt64("user_id");
    }
  }
  ASSERT_EQ(user_of.size(), 3U);
  const auto b = user_of.at("live-b");
  const auto s = user_of.at("live-s");
  std::vector<std::pair<std::int64_t, std::string>> asked;
  for (int i = 0; i < 100; ++i) {
    asked.emplace_back(i % 2 == 0 ? b : s, "absent-" + std::to_string(i));
    if (i == 10) {
      asked.emplace_back(s, "expired-s");
    }
    if (i == 70) {  // in the second statement
      asked.emplace_back(b, "live-b");
    }
    if (i == 99) {
      asked.emplace_back(s, "live-s");
    }
  }
  asked.emplace_back(b, "live-s");  // a live key, but another user's
  ASSERT_GT(asked.size(), tiket::booking::BookingRepository::kMaxKeyPairs);
  const tiket::booking::BookingRepository repo;
  const auto live = repo.live_idempotency_keys(*conn, asked);
  EXPECT_EQ(live, (std::set<std::pair<std::int64_t, std::string>>{{b, "live-b"}, {s, "live-s"}}));
}

// Seats that come back on one replica are sold by another within the other's bound: it may
// say sold out from its reading for at most BOOKING_STOCK_ESTIMATE_MS, never longer.
TEST_F(Bookings, AnotherReplicaSellsReturnedSeatsWithinItsBound) {
  constexpr auto kBound = std::chrono::milliseconds(500);
  const auto c = concert({{"Festival", 350000, 2}});
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  const auto first = book(budi, c.id, items({{c.types[0], 2}}), "budi-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const tiket::test::Server replica(
      TIKET_API_BIN,
      tiket::test::server_env(api_.db().url_string(),
                              {{"LOCAL_DIR", api_.local_dir()},
                               {"JOBS_ENABLED", "false"},
                               {"CATALOG_CACHE_TTL_MS", "0"},
                               {"BOOKING_STOCK_ESTIMATE_MS", std::to_string(kBound.count())}}));
  int keys = 0;
  const auto book_on_replica = [&] {
    return tiket::test::HttpClient(replica.base_url())
        .post_json(
            "/api/bookings",
            nlohmann::json{{"concert_id", c.id}, {"items", items({{c.types[0], 2}})}}.dump(),
            {tiket::test::bearer(siti), "Idempotency-Key: replica-" + std::to_string(++keys)});
  };
  ASSERT_TRUE(book_on_replica().is_problem(409));  // the replica reads the stock: none left
  ASSERT_EQ(cancel(budi, first.json()["code"].get<std::string>()).status, 200);
  const auto returned = std::chrono::steady_clock::now();
  HttpResponse r;
  for (;;) {  // a state, with a deadline: until the replica sells the two seats
    r = book_on_replica();
    if (r.status != 409 || std::chrono::steady_clock::now() - returned > std::chrono::seconds(30)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto waited = std::chrono::steady_clock::now() - returned;
  ASSERT_EQ(r.status, 201) << r.body;
  // The bound, plus room for a slow machine's request (never a reading that lasts on).
  EXPECT_LT(waited, kBound + std::chrono::seconds(3));
  EXPECT_EQ(available(c.types[0]), 0);
  EXPECT_EQ(count("status = 'pending_payment'"), 1);
}

// --- Group commit (BOOKING_WRITE_MODE=batched, ADR 0018)

namespace {

// A batched server whose batch leader waits (up to BOOKING_BATCH_GATHER_MS) until
// BOOKING_BATCH_MAX requests are queued: `size` requests sent together form one batch.
class OneBatchOf : public Bookings {
 protected:
  explicit OneBatchOf(int size = 8)
      : Bookings(in_mode("batched", {{"BOOKING_BATCH_MAX", std::to_string(size)},
                                     {"BOOKING_BATCH_GATHER_MS", "10000"}})) {}

  // Sends the requests at once, one thread each; the answers in the order of `requests`.
  std::vector<HttpResponse> together(
      const std::vector<std::tuple<std::string, nlohmann::json, std::string>>& requests,
      std::int64_t concert_id) {
    std::vector<HttpResponse> out(requests.size());
    std::latch start(static_cast<std::ptrdiff_t>(requests.size()));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        const auto& [token, list, key] = requests[i];
        out[i] = book(token, concert_id, list, key);
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    return out;
  }

  double batches() const {
    return metric(api_, R"(tiket_booking_batches_total{event="committed"})");
  }
  double batched() const { return metric(api_, R"(tiket_booking_batches_total{event="request"})"); }
};

std::vector<int> day_numbers(Api& api) {
  std::vector<int> out;
  auto conn = api.db().connect();
  auto& stmt = conn->prepare("SELECT day_number FROM bookings ORDER BY day_number");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  while (rs->next()) {
    out.push_back(rs->getInt(1));
  }
  return out;
}

std::vector<int> one_to(int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back(i);
  }
  return out;
}

}  // namespace

// 2,000 requests at once for 300 seats in three types, one with a per-customer limit: exactly
// the quota is held, the running numbers are 1..n, no customer passes the limit, and the
// requests were committed in batches, not one by one.
TEST(BookingsBatched, TwoThousandRequestsForThreeHundredSeatsHoldExactlyTheQuota) {
  Api api(in_mode("batched", {{"WORKER_THREADS", "64"}}));
  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  const auto c = tiket::test::create_concert(
      api, admin, {{"Festival", 350000, 200}, {"Tribune", 500000, 80}, {"VIP", 1250000, 20, 2}});
  std::vector<std::string> customers;
  for (int i = 0; i < 40; ++i) {
    customers.push_back(
        api.customer_tokens("fan" + std::to_string(i) + "@example.id")["access_token"]
            .get<std::string>());
  }
  constexpr int kRequests = 2000;
  constexpr int kThreads = 64;
  std::atomic<int> next{0};
  std::atomic<int> created{0};
  std::mutex mutex;
  std::map<long, int> statuses;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = next++; i < kRequests; i = next++) {
        const auto type = c.types[static_cast<std::size_t>(i % 3)];
        const auto r = tiket::test::book(api, customers[static_cast<std::size_t>(i % 40)], c.id,
                                         items({{type, 1 + i % 2}}), "b-" + std::to_string(i));
        const std::lock_guard lock(mutex);
        ++statuses[r.status];
        if (r.status == 201) {
          ++created;
        } else if (!r.is_problem(409) && !r.is_problem(422)) {
          ADD_FAILURE() << r.status << " " << r.body;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(api.db().query_int("SELECT SUM(available) FROM ticket_types"), 0);
  EXPECT_EQ(api.db().query_int("SELECT SUM(quantity) FROM booking_items"), 300);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM bookings"), created.load());
  EXPECT_EQ(day_numbers(api), one_to(created.load()));
  EXPECT_EQ(api.db().query_int(
                "SELECT COUNT(*) FROM (SELECT b.user_id FROM bookings b JOIN booking_items i ON "
                "i.booking_id = b.id WHERE i.ticket_type_id = " +
                std::to_string(c.types[2]) + " GROUP BY b.user_id HAVING SUM(i.quantity) > 2) x"),
            0);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM bookings b WHERE total_amount <> (SELECT "
                               "SUM(quantity * unit_price) FROM booking_items i WHERE "
                               "i.booking_id = b.id)"),
            0);
  const auto batches = metric(api, R"(tiket_booking_batches_total{event="committed"})");
  const auto batched = metric(api, R"(tiket_booking_batches_total{event="request"})");
  EXPECT_GT(batched, batches) << "some batch held more than one request";
  EXPECT_EQ(statuses[201] + statuses[409] + statuses[422], kRequests);
}

// One batch of eight: one over its per-customer limit, one naming another concert's ticket
// type. Those two are refused; the other six commit, with consecutive numbers.
TEST_F(OneBatchOf, ARequestThatBreaksARuleLeavesTheOthersCommitted) {
  const auto c = concert({{"Festival", 350000, 100}, {"VIP", 1250000, 10, 2}});
  const auto other = concert({{"Elsewhere", 100000, 10}});
  std::vector<std::tuple<std::string, nlohmann::json, std::string>> requests;
  for (int i = 0; i < 6; ++i) {
    requests.emplace_back(customer("fan" + std::to_string(i)), items({{c.types[0], 2}}),
                          "k" + std::to_string(i));
  }
  requests.emplace_back(customer("greedy"), items({{c.types[1], 3}}), "greedy");
  requests.emplace_back(customer("lost"), items({{other.types[0], 1}}), "lost");
  const auto before = batches();
  const auto answers = together(requests, c.id);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(answers[static_cast<std::size_t>(i)].status, 201)
        << answers[static_cast<std::size_t>(i)].body;
  }
  EXPECT_TRUE(answers[6].is_problem(422)) << answers[6].body;
  EXPECT_NE(answers[6].body.find("per customer"), std::string::npos) << answers[6].body;
  EXPECT_TRUE(answers[7].is_problem(422)) << answers[7].body;
  EXPECT_EQ(batches() - before, 1) << "the eight were one batch";
  EXPECT_EQ(available(c.types[0]), 88);
  EXPECT_EQ(available(c.types[1]), 10);
  EXPECT_EQ(day_numbers(api_), one_to(6));
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM idempotency_keys"), 6);
}

// One key four times with the same body, once with another body, in one batch: one booking;
// the three repeats replay its answer; the other body is 422.
TEST_F(OneBatchOf, AKeyRepeatedInsideOneBatchMakesOneBooking) {
  const auto c = concert({{"Festival", 350000, 100}});
  const auto budi = customer("budi");
  std::vector<std::tuple<std::string, nlohmann::json, std::string>> requests;
  for (int i = 0; i < 4; ++i) {
    requests.emplace_back(budi, items({{c.types[0], 2}}), "same");
  }
  requests.emplace_back(budi, items({{c.types[0], 3}}), "same");
  for (int i = 0; i < 3; ++i) {
    requests.emplace_back(customer("fan" + std::to_string(i)), items({{c.types[0], 1}}),
                          "own-" + std::to_string(i));
  }
  const auto before = batches();
  const auto answers = together(requests, c.id);
  EXPECT_EQ(batches() - before, 1) << "the eight were one batch";
  std::set<std::string> bodies;
  int replayed = 0;
  int refused = 0;
  for (int i = 0; i < 5; ++i) {
    const auto& r = answers[static_cast<std::size_t>(i)];
    if (r.status == 201) {
      bodies.insert(r.body);
      replayed += r.header("idempotent-replayed") == "true" ? 1 : 0;
    } else {
      EXPECT_TRUE(r.is_problem(422)) << r.status << " " << r.body;
      ++refused;
    }
  }
  // Arrival order decides which body is the key's: either the 2-seat one (three replays, the
  // 3-seat one refused) or the 3-seat one (the four 2-seat ones refused).
  EXPECT_EQ(bodies.size(), 1U);
  EXPECT_TRUE((replayed == 3 && refused == 1) || (replayed == 0 && refused == 4))
      << replayed << " replayed, " << refused << " refused";
  EXPECT_EQ(count("user_id = (SELECT id FROM users WHERE email = 'budi@example.id')"), 1);
  EXPECT_EQ(count(), 4);
  EXPECT_EQ(day_numbers(api_), one_to(4));
}

// A batch whose transaction fails (a trigger refuses one customer's booking row) is split and
// retried: the other seven commit with numbers 1..7, the refused one gets a 500 and leaves
// nothing, and no number is lost or used twice.
TEST_F(OneBatchOf, AFailedBatchIsSplitAndLosesNothingAndDuplicatesNothing) {
  const auto c = concert({{"Festival", 350000, 100}});
  std::vector<std::tuple<std::string, nlohmann::json, std::string>> requests;
  for (int i = 0; i < 7; ++i) {
    requests.emplace_back(customer("fan" + std::to_string(i)), items({{c.types[0], 1}}),
                          "k" + std::to_string(i));
  }
  requests.emplace_back(customer("doomed"), items({{c.types[0], 1}}), "doomed");
  const auto doomed = api_.db().query_int("SELECT id FROM users WHERE email = 'doomed@example.id'");
  api_.db().connect()->execute(
      "CREATE TRIGGER refuse_doomed BEFORE INSERT ON bookings FOR EACH ROW "
      "BEGIN IF NEW.user_id = " +
      std::to_string(doomed) +
      " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END");
  const auto answers = together(requests, c.id);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(answers[static_cast<std::size_t>(i)].status, 201)
        << answers[static_cast<std::size_t>(i)].body;
  }
  EXPECT_TRUE(answers[7].is_problem(500)) << answers[7].status << " " << answers[7].body;
  EXPECT_EQ(answers[7].body.find("refused by the test"), std::string::npos) << "no internals";
  EXPECT_GE(metric(api_, R"(tiket_booking_batches_total{event="split"})"), 1);
  EXPECT_EQ(available(c.types[0]), 93);
  EXPECT_EQ(day_numbers(api_), one_to(7));
  EXPECT_EQ(count("user_id = " + std::to_string(doomed)), 0);
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM idempotency_keys"), 7);
}

// Two batched replicas on one database, 600 requests for 100 seats split between them: the
// stock rows stay the authority, so no oversell and one gapless run of numbers.
TEST(BookingsBatched, TwoReplicasNeverOversellAndLeaveNoGap) {
  Api api(in_mode("batched"));
  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  const auto c = tiket::test::create_concert(api, admin, {{"Festival", 350000, 100}});
  const tiket::test::Server replica(
      TIKET_API_BIN, tiket::test::server_env(api.db().url_string(),
                                             in_mode("batched", {{"LOCAL_DIR", api.local_dir()},
                                                                 {"JOBS_ENABLED", "false"}})));
  std::vector<std::string> customers;
  for (int i = 0; i < 20; ++i) {
    customers.push_back(
        api.customer_tokens("fan" + std::to_string(i) + "@example.id")["access_token"]
            .get<std::string>());
  }
  constexpr int kRequests = 600;
  constexpr int kThreads = 32;
  std::atomic<int> next{0};
  std::atomic<int> created{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const std::string base = t % 2 == 0 ? api.base() : replica.base_url();
      for (int i = next++; i < kRequests; i = next++) {
        const auto r = tiket::test::HttpClient(base).post_json(
            "/api/bookings",
            nlohmann::json{{"concert_id", c.id}, {"items", items({{c.types[0], 1}})}}.dump(),
            {tiket::test::bearer(customers[static_cast<std::size_t>(i % 20)]),
             "Idempotency-Key: r-" + std::to_string(i)});
        if (r.status == 201) {
          ++created;
        } else if (!r.is_problem(409)) {
          ADD_FAILURE() << r.status << " " << r.body << r.error;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(created.load(), 100);
  EXPECT_EQ(api.db().query_int("SELECT available FROM ticket_types"), 0);
  EXPECT_EQ(api.db().query_int("SELECT SUM(quantity) FROM booking_items"), 100);
  EXPECT_EQ(day_numbers(api), one_to(100));
}
