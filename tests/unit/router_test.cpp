#include "http/router.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

using tiket::http::Method;
using tiket::http::Request;
using tiket::http::Response;
using tiket::http::Router;
using Kind = tiket::http::RouteMatch::Kind;

namespace {
Router make_router() {
  Router r;
  auto ok = [](Request&) { return Response::empty(204); };
  r.add(Method::Get, "/api/users", ok);
  r.add(Method::Post, "/api/users", ok);
  r.add(Method::Get, "/api/users/{id}", ok);
  r.add(Method::Patch, "/api/users/{id}", ok);
  r.add(Method::Post, "/api/bookings/{code}/cancel", ok);
  return r;
}
}  // namespace

TEST(Router, MatchesStaticAndTemplatedPaths) {
  const auto r = make_router();
  auto m = r.match(Method::Get, "/api/users");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(m.route->path_template, "/api/users");
  m = r.match(Method::Patch, "/api/users/42");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(m.route->path_template, "/api/users/{id}");
  ASSERT_EQ(m.params.size(), 1U);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");
}

TEST(Router, DecodesParamsAndToleratesTrailingSlash) {
  const auto r = make_router();
  const auto m = r.match(Method::Post, "/api/bookings/TIX%2D1/cancel/");
  ASSERT_EQ(m.kind, Kind::Found);
  EXPECT_EQ(m.params[0].second, "TIX-1");
}

TEST(Router, UnknownPathIsNotFound) {
  const auto r = make_router();
  EXPECT_EQ(r.match(Method::Get, "/api/nope").kind, Kind::NotFound);
  EXPECT_EQ(r.match(Method::Get, "/api/users/1/extra").kind, Kind::NotFound);
  EXPECT_EQ(r.match(Method::Get, "/").kind, Kind::NotFound);
}

TEST(Router, KnownPathWithWrongMethodListsAllowedMethods) {
  const auto r = make_router();
  const auto m = r.match(Method::Delete, "/api/users/7");
  EXPECT_EQ(m.kind, Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, PATCH");
}

TEST(Router, MalformedEscapeInParamIsBadRequest) {
  const auto r = make_router();
  try {
    (void)r.match(Method::Get, "/api/users/%zz");
    FAIL() << "expected AppError";
  } catch (const tiket::core::AppError& e) {
    EXPECT_EQ(e.status(), 400);
  }
}

TEST(Router, RefusesDuplicateRoutes) {
  auto r = make_router();
  EXPECT_THROW(r.add(Method::Get, "/api/users/{other}", [](Request&) { return Response{}; }),
               std::logic_error);
}
