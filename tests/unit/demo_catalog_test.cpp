#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "app/demo.hpp"

using tiket::app::load_demo_catalog;
using tiket::app::parse_demo_catalog;

namespace {
nlohmann::json valid() {
  return nlohmann::json::parse(R"({
    "start_hour_utc": 12,
    "concerts": [{"title": "T", "artist": "A", "venue": "V", "city": "C", "days_from_today": 3,
                  "ticket_types": [{"name": "Festival", "price": 100, "quota": 10,
                                    "per_user_limit": 2}]}]})");
}

// The message parse_demo_catalog throws for `doc`; "" when it is accepted.
std::string problems(const nlohmann::json& doc) {
  try {
    parse_demo_catalog(doc);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DemoCatalog, TheShippedFileLoads) {
  const auto demo = load_demo_catalog(TIKET_DATA_DIR "/demo-catalog.json");
  EXPECT_EQ(demo.start_hour_utc, 12);
  ASSERT_EQ(demo.concerts.size(), 6U);
  std::set<std::string> cities;
  std::size_t types = 0;
  for (const auto& c : demo.concerts) {
    cities.insert(c.city);
    types += c.ticket_types.size();
    EXPECT_GE(c.ticket_types.size(), 2U) << c.title;
  }
  EXPECT_EQ(cities, (std::set<std::string>{"Jakarta", "Bandung", "Surabaya", "Yogyakarta"}));
  EXPECT_EQ(types, 14U);
  const auto& first = demo.concerts.front();
  EXPECT_EQ(first.title, "Java Jazz Evening");
  EXPECT_EQ(first.days_from_today, 21);
  EXPECT_EQ(first.ticket_types[0].price, 350'000);
  EXPECT_EQ(first.ticket_types[0].per_user_limit, 4);
  EXPECT_FALSE(first.ticket_types[1].per_user_limit);  // omitted: no limit
}

TEST(DemoCatalog, AcceptsAMinimalFile) {
  const auto demo = parse_demo_catalog(valid());
  ASSERT_EQ(demo.concerts.size(), 1U);
  EXPECT_EQ(demo.concerts[0].ticket_types[0].quota, 10);
}

TEST(DemoCatalog, NamesEveryProblemWithItsPath) {
  auto doc = valid();
  doc["concerts"][0]["titel"] = "typo";
  doc["concerts"][0].erase("city");
  doc["concerts"][0]["days_from_today"] = 0;
  doc["concerts"][0]["ticket_types"][0]["price"] = -1;
  doc["concerts"][0]["ticket_types"][0]["per_user_limit"] = 11;
  doc["concerts"][0]["ticket_types"].push_back({{"name", "Festival"}, {"price", 1}, {"quota", 1}});
  doc["start_hour_utc"] = 24;
  const auto message = problems(doc);
  for (const char* path : {"start_hour_utc ", "concerts[0].titel ", "concerts[0].city ",
                           "concerts[0].days_from_today ", "concerts[0].ticket_types[0].price ",
                           "concerts[0].ticket_types[0].per_user_limit ",
                           "concerts[0].ticket_types[1].name appears twice"}) {
    EXPECT_NE(message.find(path), std::string::npos) << path << " in: " << message;
  }
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(DemoCatalog, RefusesWrongShapes) {
  EXPECT_NE(problems(nlohmann::json::array()), "");
  EXPECT_NE(problems({{"start_hour_utc", 12}}).find("concerts "), std::string::npos);
  EXPECT_NE(problems({{"start_hour_utc", 12}, {"concerts", nlohmann::json::array()}}), "");
  EXPECT_NE(problems({{"start_hour_utc", 12}, {"concerts", {1}}}).find("concerts[0] must be"),
            std::string::npos);
  auto no_types = valid();
  no_types["concerts"][0]["ticket_types"] = nlohmann::json::array();
  EXPECT_NE(problems(no_types).find("concerts[0].ticket_types "), std::string::npos);
}

TEST(DemoCatalog, AMissingOrBrokenFileNamesTheFile) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto missing = dir / "tiket-no-such-demo.json";
  try {
    load_demo_catalog(missing);
    ADD_FAILURE() << "a missing file loaded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  const auto broken = dir / ("tiket-broken-demo-" + std::to_string(::getpid()) + ".json");
  std::ofstream(broken) << "{\"concerts\": [";
  try {
    load_demo_catalog(broken);
    ADD_FAILURE() << "broken JSON loaded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(broken.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
  std::filesystem::remove(broken);
}
