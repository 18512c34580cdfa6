#include "http/message.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/logging.hpp"

using tiket::core::AppError;
using tiket::http::Request;

namespace {
int status_of(const Request& req) {
  try {
    (void)req.json_body();
  } catch (const AppError& e) {
    return e.status();
  }
  return 200;
}
}  // namespace

TEST(JsonBody, ParsesJsonWithCharsetOrVendorType) {
  Request req;
  req.body = R"({"a":1})";
  req.headers = {{"content-type", "application/json; charset=utf-8"}};
  EXPECT_EQ(req.json_body()["a"], 1);
  req.headers = {{"content-type", "application/merge-patch+json"}};
  EXPECT_EQ(status_of(req), 200);
}

TEST(JsonBody, MalformedIs400AndWrongTypeIs415) {
  Request req;
  req.headers = {{"content-type", "application/json"}};
  req.body = R"({"a":)";
  EXPECT_EQ(status_of(req), 400);
  req.body = "";
  EXPECT_EQ(status_of(req), 400);
  req.body = R"({"a":1})";
  req.headers = {{"content-type", "text/plain"}};
  EXPECT_EQ(status_of(req), 415);
  req.headers.clear();
  EXPECT_EQ(status_of(req), 415);
}

// Found by fuzz_json_fields: a number beyond double's range made nlohmann throw out_of_range
// (not a parse_error), which escaped as a 500.
TEST(JsonBody, NumberOutOfRangeIs400) {
  Request req;
  req.headers = {{"content-type", "application/json"}};
  for (const char* body : {R"({"ticket_type_id":1844671e3083709551615})", "[1e400]", "-1e309"}) {
    req.body = body;
    EXPECT_EQ(status_of(req), 400) << body;
  }
}

TEST(JsonEscape, ProducesValidJsonForAnyBytes) {
  std::string out = "\"";
  tiket::core::log::append_json_escaped(out, std::string("a\"b\\c\n\x01\xff", 8));
  out += "\"";
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001\u00ff")");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(Timestamp, IsRfc3339UtcWithMillis) {
  const auto tp =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'716'714'123));
  EXPECT_EQ(tiket::core::log::utc_timestamp(tp), "2025-11-21T09:18:34.123Z");
}
