#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using tiket::core::AppError;
using tiket::core::problem_from_exception;
using tiket::core::render_problem;

TEST(Problem, AppErrorKeepsStatusDetailAndFieldErrors) {
  const auto p = problem_from_exception(std::make_exception_ptr(
      AppError::validation({{"email", "must be an email"}, {"name", "required"}})));
  EXPECT_EQ(p.status, 400);
  EXPECT_FALSE(p.internal);
  const auto body = nlohmann::json::parse(render_problem(p, "/api/users", "req-1"));
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["instance"], "/api/users");
  EXPECT_EQ(body["request_id"], "req-1");
  ASSERT_EQ(body["errors"].size(), 2U);
  EXPECT_EQ(body["errors"][0]["field"], "email");
  EXPECT_TRUE(body["type"].get<std::string>().ends_with("/validation"));
}

TEST(Problem, UnknownExceptionsBecomeGeneric500WithoutTheirMessage) {
  const auto p = problem_from_exception(
      std::make_exception_ptr(std::runtime_error("Table 'users' doesn't exist; password=x")));
  EXPECT_EQ(p.status, 500);
  EXPECT_TRUE(p.internal);
  const auto text = render_problem(p, "/x", "id");
  EXPECT_EQ(text.find("users"), std::string::npos);
  EXPECT_EQ(text.find("password"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(text).contains("errors"));
}

TEST(Problem, NonStdExceptionsAreHandledToo) {
  const auto p = problem_from_exception(std::make_exception_ptr(42));
  EXPECT_EQ(p.status, 500);
}

TEST(Problem, UnavailableCarriesRetryAfter) {
  const auto p = problem_from_exception(std::make_exception_ptr(AppError::unavailable("busy", 3)));
  EXPECT_EQ(p.status, 503);
  ASSERT_EQ(p.headers.size(), 1U);
  EXPECT_EQ(p.headers[0].first, "Retry-After");
  EXPECT_EQ(p.headers[0].second, "3");
}

TEST(Problem, InvalidUtf8InInstanceStillRendersValidJson) {
  const auto p = problem_from_exception(std::make_exception_ptr(AppError::not_found()));
  const auto text = render_problem(p, "/\xff\xfe", "id");
  EXPECT_TRUE(nlohmann::json::accept(text));
}
