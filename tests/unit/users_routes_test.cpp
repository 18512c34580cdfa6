#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"
#include "users/routes.hpp"

using tiket::core::AppError;
using tiket::http::Request;
using tiket::users::read_user_list_request;

namespace {
Request with_query(tiket::http::NameValues query) {
  Request r;
  r.query = std::move(query);
  return r;
}

// The fields of the 400 that reading `query` throws; empty when it is accepted.
std::set<std::string> rejected_fields(tiket::http::NameValues query) {
  try {
    read_user_list_request(with_query(std::move(query)));
  } catch (const AppError& e) {
    EXPECT_EQ(e.status(), 400);
    std::set<std::string> out;
    for (const auto& fe : e.errors()) {
      out.insert(fe.field);
    }
    return out;
  }
  return {};
}
}  // namespace

TEST(UserListQuery, ReadsRoleCursorAndLimit) {
  const auto list =
      read_user_list_request(with_query({{"role", "organizer"}, {"cursor", "Mg"}, {"limit", "5"}}));
  EXPECT_EQ(list.role, tiket::identity::Role::organizer);
  EXPECT_EQ(list.cursor, "Mg");
  EXPECT_EQ(list.limit, 5U);
  const auto defaults = read_user_list_request(with_query({}));
  EXPECT_FALSE(defaults.role);
  EXPECT_FALSE(defaults.cursor);
  EXPECT_EQ(defaults.limit, 20U);
}

TEST(UserListQuery, RefusesUnknownParametersAndReportsEveryProblemAtOnce) {
  EXPECT_EQ(rejected_fields({{"rol", "admin"}}), std::set<std::string>{"rol"});
  EXPECT_EQ(rejected_fields({{"role", "root"}, {"limit", "0"}, {"sort", "email"}}),
            (std::set<std::string>{"role", "limit", "sort"}));
  EXPECT_EQ(rejected_fields({{"limit", "101"}}), std::set<std::string>{"limit"});
  EXPECT_EQ(rejected_fields({{"cursor", ""}}), std::set<std::string>{"cursor"});
}
