#include "http/query.hpp"

#include <gtest/gtest.h>

#include <set>

using tiket::core::AppError;
using tiket::http::QueryReader;
using tiket::http::Request;

namespace {
Request with_query(tiket::http::NameValues query) {
  Request r;
  r.query = std::move(query);
  return r;
}

std::set<std::string> fields_of(const AppError& e) {
  std::set<std::string> out;
  for (const auto& fe : e.errors()) {
    out.insert(fe.field);
  }
  return out;
}
}  // namespace

TEST(QueryReader, ReadsTypedValues) {
  const auto req = with_query({{"city", "  Jakarta "},
                               {"min_price", "100"},
                               {"from", "2026-12-20T12:00:00Z"},
                               {"limit", "50"}});
  QueryReader in(req, {"city", "min_price", "from", "limit", "to"});
  EXPECT_EQ(in.string("city", 100), "Jakarta");
  EXPECT_EQ(in.integer("min_price", 0, 1000), 100);
  EXPECT_TRUE(in.timestamp("from"));
  EXPECT_FALSE(in.timestamp("to"));
  EXPECT_EQ(in.limit(), 50U);
  EXPECT_NO_THROW(in.finish());
}

TEST(QueryReader, CollectsEveryProblemIncludingUnknownParameters) {
  const auto req = with_query({{"citty", "x"},
                               {"city", ""},
                               {"min_price", "12abc"},
                               {"max_price", "-1"},
                               {"from", "yesterday"},
                               {"limit", "101"}});
  QueryReader in(req, {"city", "min_price", "max_price", "from", "limit"});
  in.string("city", 100);
  in.integer("min_price", 0, 1000);
  in.integer("max_price", 0, 1000);
  in.timestamp("from");
  EXPECT_EQ(in.limit(), 20U);
  try {
    in.finish();
    FAIL() << "expected a 400";
  } catch (const AppError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(fields_of(e),
              (std::set<std::string>{"citty", "city", "min_price", "max_price", "from", "limit"}));
  }
}

TEST(QueryReader, RefusesControlCharactersAndOverlongText) {
  const auto req = with_query({{"a", "x\x01y"}, {"b", std::string(101, 'x')}, {"c", "\xFF"}});
  QueryReader in(req, {"a", "b", "c"});
  EXPECT_FALSE(in.string("a", 100));
  EXPECT_FALSE(in.string("b", 100));
  EXPECT_FALSE(in.string("c", 100));
  EXPECT_FALSE(in.ok());
}

TEST(QueryParams, ParseIdKeepsItsRules) {
  EXPECT_EQ(tiket::http::parse_id("42"), 42);
  for (const char* bad : {"", "0", "01", "-1", "+1", "1.5", "abc", "99999999999999999999"}) {
    EXPECT_THROW(tiket::http::parse_id(bad), AppError) << bad;
  }
}

TEST(QueryReader, LimitDefaultsAndStaysWithinItsRange) {
  const auto none = with_query({});
  EXPECT_EQ(QueryReader(none, {"limit"}).limit(), 20U);
  const auto max = with_query({{"limit", "100"}});
  EXPECT_EQ(QueryReader(max, {"limit"}).limit(), 100U);
  for (const char* bad : {"0", "101", "x", "-1", "1.5", ""}) {
    const auto req = with_query({{"limit", bad}});
    QueryReader in(req, {"limit"});
    in.limit();
    try {
      in.finish();
      ADD_FAILURE() << "limit=" << bad << " was accepted";
    } catch (const AppError& e) {
      EXPECT_EQ(e.status(), 400);
      EXPECT_EQ(fields_of(e), std::set<std::string>{"limit"}) << bad;
    }
  }
}
