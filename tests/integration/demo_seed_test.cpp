// `tiket-api seed-demo` publishes exactly what data/demo-catalog.json describes.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/api.hpp"

namespace {
nlohmann::json shipped_demo() {
  std::ifstream in(TIKET_DATA_DIR "/demo-catalog.json");
  return nlohmann::json::parse(in);
}

std::string quoted(const nlohmann::json& text) {
  // The demo file's strings have no quotes; refuse rather than build a broken query.
  const auto s = text.get<std::string>();
  EXPECT_EQ(s.find('\''), std::string::npos) << s;
  return "'" + s + "'";
}
}  // namespace

TEST(DemoSeed, PublishesEveryConcertAndTicketTypeOfTheDataFile) {
  tiket::test::TestDatabase db;
  const auto local = tiket::test::temp_dir("tiket-demo");
  const auto env = tiket::test::server_env(db.url_string(), {{"LOCAL_DIR", local}});
  tiket::test::Process seed(TIKET_API_BIN, {"seed-demo"}, env);
  ASSERT_EQ(seed.wait(std::chrono::seconds(60)), 0) << seed.output();

  const auto demo = shipped_demo();
  const auto hour = demo["start_hour_utc"].get<int>();
  std::size_t types = 0;
  for (const auto& c : demo["concerts"]) {
    // Each concert once, published, owned by the demo organizer, at start_hour_utc UTC
    // days_from_today days after the day the seed ran (a day earlier if midnight UTC passed
    // between the seed and this check).
    EXPECT_EQ(
        db.query_int("SELECT COUNT(*) FROM concerts c JOIN users u ON u.id = c.organizer_id"
                     " WHERE u.email = 'organizer@tiket.test' AND c.status = 'published'"
                     " AND c.title = " +
                     quoted(c["title"]) + " AND c.artist = " + quoted(c["artist"]) +
                     " AND c.venue = " + quoted(c["venue"]) + " AND c.city = " + quoted(c["city"]) +
                     " AND TIMESTAMPDIFF(HOUR, UTC_DATE(), c.starts_at) IN (" +
                     std::to_string(c["days_from_today"].get<int>() * 24 + hour) + ", " +
                     std::to_string(c["days_from_today"].get<int>() * 24 + hour - 24) + ")"),
        1)
        << c["title"];
    for (const auto& t : c["ticket_types"]) {
      ++types;
      const auto limit = t.contains("per_user_limit")
                             ? "= " + std::to_string(t["per_user_limit"].get<long>())
                             : std::string("IS NULL");
      EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM ticket_types t JOIN concerts c ON c.id ="
                             " t.concert_id WHERE c.title = " +
                             quoted(c["title"]) + " AND t.name = " + quoted(t["name"]) +
                             " AND t.price = " + std::to_string(t["price"].get<long>()) +
                             " AND t.quota = " + std::to_string(t["quota"].get<long>()) +
                             " AND t.available = t.quota AND t.per_user_limit " + limit),
                1)
          << c["title"] << " / " << t["name"];
    }
  }
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM concerts"),
            static_cast<long long>(demo["concerts"].size()));
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM ticket_types"), static_cast<long long>(types));
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users"), 3);
  std::filesystem::remove_all(local);
}

TEST(DemoSeed, ABrokenDataFileStopsTheSeedBeforeItWritesAnything) {
  tiket::test::TestDatabase db;
  const auto local = tiket::test::temp_dir("tiket-demo-bad");
  const auto file = local + "/demo.json";
  std::ofstream(file) << R"({"start_hour_utc": 12, "concerts": [{"title": "No city"}]})";
  const auto env =
      tiket::test::server_env(db.url_string(), {{"LOCAL_DIR", local}, {"DEMO_CATALOG_FILE", file}});
  tiket::test::Process seed(TIKET_API_BIN, {"seed-demo"}, env);
  EXPECT_EQ(seed.wait(std::chrono::seconds(60)), 2) << seed.output();
  EXPECT_NE(seed.output().find("concerts[0].city"), std::string::npos) << seed.output();
  // Not even the migrations ran: nothing was written.
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM information_schema.tables"
                         " WHERE table_schema = DATABASE()"),
            0);
  std::filesystem::remove_all(local);
}
