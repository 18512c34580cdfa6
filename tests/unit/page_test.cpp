#include "http/page.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sample {
struct Thing {
  int id;
};
nlohmann::json to_json(const Thing& t) {
  return {{"id", t.id}};
}
struct ThingPage {
  std::vector<Thing> items;
  std::optional<std::string> next_cursor;
};
}  // namespace sample

TEST(PageJson, SerialisesItemsWithTheirModulesToJsonAndTheCursor) {
  const auto body = tiket::http::page_json(sample::ThingPage{{{1}, {2}}, "abc"});
  EXPECT_EQ(body, nlohmann::json::parse(R"({"items":[{"id":1},{"id":2}],"next_cursor":"abc"})"));
}

TEST(PageJson, TheLastPageHasANullCursorAndAnEmptyPageAnEmptyArray) {
  const auto body = tiket::http::page_json(sample::ThingPage{});
  ASSERT_TRUE(body.contains("next_cursor"));
  EXPECT_TRUE(body["next_cursor"].is_null());
  ASSERT_TRUE(body["items"].is_array());
  EXPECT_TRUE(body["items"].empty());
  EXPECT_EQ(body.size(), 2U);
}
