// `tiket-api seed-load`: generated bookings that obey every rule the booking service keeps, so
// that the report benchmarks and the "1M orders" exercise measure data the service could have
// written. Small N: the million-row run is scripts/bench.sh reports, never a test.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "auth/jwt.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

namespace {

using tiket::test::Process;
using tiket::test::TestDatabase;

std::string run_seed_load(const TestDatabase& db, const std::vector<std::string>& flags,
                          int expected_exit = 0) {
  std::vector<std::string> args = {"seed-load"};
  args.insert(args.end(), flags.begin(), flags.end());
  Process seed(TIKET_API_BIN, args, tiket::test::server_env(db.url_string()));
  EXPECT_EQ(seed.wait(std::chrono::seconds(90)), expected_exit) << seed.output();
  return seed.output();
}

// Every rule at once; each query counts the rows that break one rule, so 0 is the pass.
void expect_consistent(const TestDatabase& db) {
  // total_amount is the sum of the items.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings b WHERE b.total_amount <> (SELECT"
                         " COALESCE(SUM(i.quantity * i.unit_price), -1) FROM booking_items i"
                         " WHERE i.booking_id = b.id)"),
            0);
  // Each day's numbers are exactly 1..n, and the counter row says n.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM (SELECT business_day, COUNT(*) AS n,"
                         " MIN(day_number) AS lo, MAX(day_number) AS hi FROM bookings"
                         " GROUP BY business_day) d LEFT JOIN booking_code_counters c"
                         " ON c.business_day = d.business_day WHERE d.lo <> 1 OR d.hi <> d.n"
                         " OR c.last_number IS NULL OR c.last_number <> d.n"),
            0);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM booking_code_counters c WHERE NOT EXISTS (SELECT"
                         " 1 FROM bookings b WHERE b.business_day = c.business_day)"),
            0);
  // The code spells the day and the number; codes are unique (the key would refuse a
  // duplicate, and the count proves none was lost).
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings WHERE code <> CONCAT('TIX-',"
                         " DATE_FORMAT(business_day, '%Y%m%d'), '-', LPAD(day_number, 6, '0'))"),
            0);
  EXPECT_EQ(db.query_int("SELECT COUNT(DISTINCT code) - COUNT(*) FROM bookings"), 0);
  // business_day is the created_at day in BUSINESS_TZ (Asia/Jakarta, UTC+7, no DST).
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings"
                         " WHERE business_day <> DATE(created_at + INTERVAL 7 HOUR)"),
            0);
  // Stock: available = quota - seats held (pending) - seats sold (paid).
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM ticket_types t WHERE t.available <> t.quota -"
                         " (SELECT COALESCE(SUM(i.quantity), 0) FROM booking_items i JOIN bookings"
                         " b ON b.id = i.booking_id WHERE i.ticket_type_id = t.id"
                         " AND b.status IN ('paid', 'pending_payment'))"),
            0);
  // A paid booking has exactly one settled payment for its total; no other booking has one.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings b WHERE (b.status = 'paid') <> ((SELECT"
                         " COUNT(*) FROM payments p WHERE p.booking_id = b.id AND p.status ="
                         " 'settled' AND p.gross_amount = b.total_amount AND p.order_id ="
                         " CONCAT(b.code, '-1')) = 1)"),
            0);
  // Bookings are made before their concert starts; items are of the booking's concert.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings b JOIN concerts c ON c.id = b.concert_id"
                         " WHERE b.created_at >= c.starts_at"),
            0);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM booking_items i JOIN bookings b ON b.id ="
                         " i.booking_id JOIN ticket_types t ON t.id = i.ticket_type_id WHERE"
                         " t.concert_id <> b.concert_id OR i.unit_price <> t.price"),
            0);
  // A pending booking is still on hold; every other one has ended its hold.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings WHERE expires_at <> created_at +"
                         " INTERVAL 15 MINUTE"),
            0);
}

TEST(SeedLoad, LoadsConsistentBookingsAndASecondRunContinuesTheDayNumbers) {
  TestDatabase db;
  const auto out = run_seed_load(
      db, {"--bookings", "3000", "--months", "3", "--customers", "40", "--seed", "11"});
  EXPECT_NE(out.find("run 1, seed 11: 3000 bookings"), std::string::npos) << out;
  EXPECT_NE(out.find("rows/s"), std::string::npos) << out;
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings"), 3000);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users WHERE role = 'customer'"), 40);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users WHERE email LIKE '%@load-1.tiket.test'"), 41);
  // One argon2id hash, shared: every customer can log in with the demo password.
  EXPECT_EQ(db.query_int("SELECT COUNT(DISTINCT password_hash) FROM users"), 1);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users WHERE password_hash NOT LIKE '$argon2id$%'"),
            0);
  // Every status, every demo city, three months (Jakarta time), both sides of local midnight.
  for (const char* status : {"paid", "expired", "cancelled", "pending_payment"}) {
    EXPECT_GT(
        db.query_int(std::string("SELECT COUNT(*) FROM bookings WHERE status = '") + status + "'"),
        0)
        << status;
  }
  EXPECT_EQ(db.query_int("SELECT COUNT(DISTINCT c.city) FROM bookings b JOIN concerts c"
                         " ON c.id = b.concert_id"),
            4);
  EXPECT_GE(db.query_int("SELECT COUNT(DISTINCT DATE_FORMAT(business_day, '%Y-%m'))"
                         " FROM bookings"),
            3);
  EXPECT_GT(db.query_int("SELECT COUNT(*) FROM bookings"
                         " WHERE TIME(created_at + INTERVAL 7 HOUR) >= '23:58:00'"),
            0);
  EXPECT_GT(db.query_int("SELECT COUNT(*) FROM bookings"
                         " WHERE TIME(created_at + INTERVAL 7 HOUR) < '00:02:00'"),
            0);
  // Pending holds are the newest bookings and still running.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings WHERE status = 'pending_payment'"
                         " AND expires_at <= UTC_TIMESTAMP(6) - INTERVAL 5 MINUTE"),
            0);
  expect_consistent(db);

  // A second run on top: new customers and concerts, and day numbers that continue the
  // counters of the days both runs share.
  const auto days_before = db.query_int("SELECT COUNT(*) FROM booking_code_counters");
  const auto out2 = run_seed_load(db, {"--bookings", "1500", "--months", "1", "--seed", "12"});
  EXPECT_NE(out2.find("run 2, seed 12: 1500 bookings"), std::string::npos) << out2;
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM bookings"), 4500);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users WHERE email LIKE '%@load-2.tiket.test'"),
            1 + 75);  // default customers: max(10, N / 20)
  EXPECT_GT(db.query_int("SELECT COUNT(*) FROM (SELECT b.business_day FROM bookings b JOIN"
                         " concerts c ON c.id = b.concert_id JOIN users u ON u.id ="
                         " c.organizer_id GROUP BY b.business_day"
                         " HAVING COUNT(DISTINCT u.email) = 2) shared"),
            0);
  EXPECT_LE(db.query_int("SELECT COUNT(*) FROM booking_code_counters"), days_before + 1);
  expect_consistent(db);
}

TEST(SeedLoad, TheSameSeedAndUntilGiveTheSameRowsAndAnotherSeedDoesNot) {
  const auto checksum = [](const TestDatabase& db) {
    return db.query_int(
        "SELECT SUM(CRC32(CONCAT_WS(',', b.id, b.code, u.email, c.title,"
        " b.status, b.total_amount, b.created_at, (SELECT GROUP_CONCAT(i.quantity"
        " ORDER BY i.ticket_type_id) FROM booking_items i WHERE i.booking_id ="
        " b.id)))) FROM bookings b JOIN users u ON u.id = b.user_id"
        " JOIN concerts c ON c.id = b.concert_id");
  };
  const std::vector<std::string> flags = {"--bookings", "800",     "--months",
                                          "2",          "--until", "2026-06-01T10:00:00Z"};
  TestDatabase first;
  TestDatabase second;
  TestDatabase other;
  auto with_seed = [&](const char* seed) {
    auto f = flags;
    f.insert(f.end(), {"--seed", seed});
    return f;
  };
  run_seed_load(first, with_seed("5"));
  run_seed_load(second, with_seed("5"));
  run_seed_load(other, with_seed("6"));
  EXPECT_EQ(checksum(first), checksum(second));
  EXPECT_NE(checksum(first), checksum(other));
  // --until places the window: two months before 2026-06-01 10:00 UTC, the newest pending.
  EXPECT_EQ(first.query_int("SELECT COUNT(*) FROM bookings WHERE created_at >= '2026-06-01 10:00'"
                            " OR created_at < '2026-04-01'"),
            0);
  EXPECT_GT(first.query_int("SELECT COUNT(*) FROM bookings WHERE status = 'pending_payment'"
                            " AND created_at >= '2026-06-01 09:45'"),
            0);
  expect_consistent(first);
}

TEST(SeedLoad, BadFlagsAreRefusedBeforeAnythingIsWritten) {
  TestDatabase db;
  for (const auto& flags :
       std::vector<std::vector<std::string>>{{},
                                             {"--bookings", "0"},
                                             {"--bookings", "10", "--months", "0"},
                                             {"--bookings", "10", "--until", "yesterday"},
                                             {"--bookings", "10", "--colour", "red"},
                                             {"--bookings"}}) {
    const auto out = run_seed_load(db, flags, 2);
    EXPECT_NE(out.find("seed-load"), std::string::npos) << out;
  }
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM information_schema.tables"
                         " WHERE table_schema = DATABASE()"),
            0);
}

TEST(SeedLoad, IsRefusedInProduction) {
  TestDatabase db;
  const auto keys = tiket::test::temp_dir("tiket-seed-load-prod");
  tiket::auth::load_or_create_dev_key(keys);  // production needs a key file to start at all
  auto env = tiket::test::server_env(
      db.url_string(),
      {{"APP_ENV", "production"},
       {"JWT_PRIVATE_KEY_FILE", (std::filesystem::path(keys) / "jwt-private.pem").string()},
       {"LOGIN_CODE_SECRET", std::string(64, 'k')},
       {"MAILER", "smtp"},
       {"SMTP_URL", "smtp://127.0.0.1:1"},
       {"SMTP_FROM", "no-reply@tiket.test"},
       {"MIDTRANS_SERVER_KEY", "Mid-server-test"}});
  Process seed(TIKET_API_BIN, {"seed-load", "--bookings", "10"}, env);
  EXPECT_EQ(seed.wait(std::chrono::seconds(30)), 2) << seed.output();
  EXPECT_NE(seed.output().find("development and test only"), std::string::npos) << seed.output();
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM information_schema.tables"
                         " WHERE table_schema = DATABASE()"),
            0);
  std::filesystem::remove_all(keys);
}

}  // namespace
