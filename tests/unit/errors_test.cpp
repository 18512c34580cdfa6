#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

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

TEST(ProblemTypes, EveryKindHasOneRowWithAUniqueTypeAndAnErrorStatus) {
  using tiket::core::ProblemKind;
  const auto table = tiket::core::problem_types();
  ASSERT_EQ(table.size(), tiket::core::kProblemKindCount);
  std::set<std::string> uris;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto kind = static_cast<ProblemKind>(i);
    const auto& row = tiket::core::problem_type(kind);
    EXPECT_EQ(row.kind, kind);
    const auto uri = tiket::core::type_uri(kind);
    EXPECT_TRUE(uri.starts_with("https://tiket.example/problems/")) << uri;
    EXPECT_TRUE(uris.insert(uri).second) << "duplicate type " << uri;
    EXPECT_FALSE(row.title.empty()) << uri;
    EXPECT_GE(row.status, 400) << uri;
    EXPECT_LE(row.status, 599) << uri;
  }
}

TEST(ProblemTypes, AnAppErrorTakesTypeTitleAndStatusFromItsKind) {
  const AppError e(tiket::core::ProblemKind::sold_out, "Only 2 left.");
  const auto p = problem_from_exception(std::make_exception_ptr(e));
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.type, "https://tiket.example/problems/sold-out");
  EXPECT_EQ(p.title, "Not enough tickets left");
  EXPECT_EQ(p.detail, "Only 2 left.");
  EXPECT_EQ(AppError::too_many_requests("slow down", 7).headers.at(0).second, "7");
  EXPECT_EQ(AppError::validation({}).type(), "https://tiket.example/problems/validation");
}

TEST(ProblemTypes, EveryTypeIsDocumentedInApiMdAndOpenApi) {
  for (const auto* doc : {"docs/api.md", "docs/openapi.yaml"}) {
    std::ifstream in(std::string(TIKET_SOURCE_DIR) + "/" + doc);
    ASSERT_TRUE(in) << doc << " not found";
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& row : tiket::core::problem_types()) {
      EXPECT_NE(text.find("`" + std::string(row.slug) + "`"), std::string::npos)
          << row.slug << " is missing from the list of problem types in " << doc;
    }
  }
}
