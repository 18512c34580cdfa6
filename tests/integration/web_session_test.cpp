// What the web app needs from the API (issue 12), over real HTTP on a real database: the
// refresh token in an httpOnly cookie (X-Tiket-Session: cookie; ADR 0016) next to the unchanged
// JSON mode, the organizer's own concert list, and the owner's booking list by status.
#include <gtest/gtest.h>

#include <set>

#include "core/sha256.hpp"
#include "support/api.hpp"
#include "support/shop.hpp"

using tiket::test::Api;
using tiket::test::HttpClient;
using tiket::test::HttpResponse;
using Json = nlohmann::json;

namespace {

constexpr const char* kPassword = "correct-horse-42";
const std::string kCookieMode = "X-Tiket-Session: cookie";

std::string unique(const std::string& tag) {
  static int n = 0;
  return tag + std::to_string(++n);
}

// The token in `Set-Cookie: tiket_refresh=<token>; ...`, or "" when absent.
std::string cookie_token(const HttpResponse& r) {
  const auto set = r.header("set-cookie");
  const std::string prefix = "tiket_refresh=";
  if (set.rfind(prefix, 0) != 0) {
    return "";
  }
  return set.substr(prefix.size(), set.find(';') - prefix.size());
}

// The attributes after the value, as a set ("HttpOnly", "Max-Age=2592000", ...).
std::set<std::string> cookie_attributes(const HttpResponse& r) {
  std::set<std::string> out;
  const auto set = r.header("set-cookie");
  std::size_t pos = set.find(';');
  while (pos != std::string::npos) {
    const auto next = set.find(';', pos + 1);
    auto item = set.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    while (!item.empty() && item.front() == ' ') {
      item.erase(0, 1);
    }
    out.insert(item);
    pos = next;
  }
  return out;
}

long long rows(Api& api, const std::string& where) {
  return api.db().query_int("SELECT COUNT(*) FROM refresh_tokens WHERE " + where);
}

std::string hash_is(const std::string& token) {
  return "token_hash = '" + tiket::core::sha256_hex(token) + "'";
}

class WebSession : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { api_ = std::make_unique<Api>(); }
  static void TearDownTestSuite() { api_.reset(); }
  static std::unique_ptr<Api> api_;

  // Registers a customer and logs in with cookie mode.
  static HttpResponse cookie_login(const std::string& email) {
    api_->register_user(email, kPassword);
    return HttpClient(api_->base())
        .post_json("/api/auth/login", Json{{"email", email}, {"password", kPassword}}.dump(),
                   {kCookieMode});
  }
  static HttpResponse cookie_post(const std::string& path, const std::string& token,
                                  const std::string& body = "",
                                  std::vector<std::string> extra = {}) {
    extra.push_back(kCookieMode);
    if (!token.empty()) {
      extra.push_back("Cookie: theme=dark; tiket_refresh=" + token);
    }
    if (!body.empty()) {
      extra.emplace_back("Content-Type: application/json");
    }
    return HttpClient(api_->base()).request("POST", path, body, extra);
  }
};
std::unique_ptr<Api> WebSession::api_;

}  // namespace

TEST_F(WebSession, CookieLoginSetsAStrictHttpOnlyCookieAndLeavesTheTokenOutOfTheJson) {
  const auto r = cookie_login(unique("cookie-login") + "@example.com");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_TRUE(body.contains("access_token"));
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_FALSE(body.contains("refresh_token")) << r.body;
  const auto token = cookie_token(r);
  ASSERT_FALSE(token.empty()) << r.header("set-cookie");
  const std::set<std::string> expected{"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth",
                                       "Max-Age=" + std::to_string(30 * 24 * 3600)};
  EXPECT_EQ(cookie_attributes(r), expected);
  EXPECT_EQ(r.header("cache-control"), "no-store");
  // The cookie holds a real refresh token: one live row with its hash.
  EXPECT_EQ(rows(*api_, hash_is(token) + " AND rotated_at IS NULL AND revoked_at IS NULL"), 1);
}

TEST_F(WebSession, RefreshFromTheCookieRotatesAndAReplayedCookieRevokesTheFamily) {
  const auto login = cookie_login(unique("cookie-refresh") + "@example.com");
  const auto first = cookie_token(login);
  ASSERT_FALSE(first.empty());

  const auto r = cookie_post("/api/auth/refresh", first);  // empty body
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json().contains("refresh_token"));
  const auto second = cookie_token(r);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  EXPECT_EQ(rows(*api_, hash_is(first) + " AND rotated_at IS NOT NULL"), 1);
  EXPECT_EQ(rows(*api_, hash_is(second) + " AND rotated_at IS NULL AND revoked_at IS NULL"), 1);

  // {} works as well as an empty body.
  const auto third_r = cookie_post("/api/auth/refresh", second, "{}");
  ASSERT_EQ(third_r.status, 200) << third_r.body;
  const auto third = cookie_token(third_r);

  // The old cookie again (stolen, or a second tab that lost the race): reuse detection revokes
  // the whole family, and the answer clears the cookie.
  const auto reuse = cookie_post("/api/auth/refresh", first);
  EXPECT_TRUE(reuse.is_problem(401)) << reuse.body;
  EXPECT_EQ(cookie_token(reuse), "");
  EXPECT_NE(reuse.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(rows(*api_, hash_is(third) + " AND revoked_at IS NOT NULL"), 1);
  EXPECT_TRUE(cookie_post("/api/auth/refresh", third).is_problem(401));
}

TEST_F(WebSession, RefreshWithoutTheCookieIs401AndBadBodiesOrModesAre400) {
  EXPECT_TRUE(cookie_post("/api/auth/refresh", "").is_problem(401));
  const auto token = cookie_token(cookie_login(unique("cookie-bad") + "@example.com"));
  // In cookie mode the body names nothing: a refresh_token in it is refused, not used.
  const auto named = cookie_post("/api/auth/refresh", token, R"({"refresh_token":"x"})");
  EXPECT_TRUE(named.is_problem(400)) << named.body;
  EXPECT_TRUE(cookie_post("/api/auth/refresh", token, "not json").is_problem(400));
  const auto other_mode =
      HttpClient(api_->base()).post_json("/api/auth/refresh", "{}", {"X-Tiket-Session: body"});
  EXPECT_TRUE(other_mode.is_problem(400)) << other_mode.body;
  // The cookie survived the refused calls.
  EXPECT_EQ(cookie_post("/api/auth/refresh", token).status, 200);
}

TEST_F(WebSession, ACrossSiteOriginIsRefusedAndTheOwnOriginIsAccepted) {
  const auto token = cookie_token(cookie_login(unique("cookie-origin") + "@example.com"));
  const auto evil = cookie_post("/api/auth/refresh", token, "", {"Origin: https://evil.example"});
  EXPECT_TRUE(evil.is_problem(403)) << evil.body;
  EXPECT_EQ(rows(*api_, hash_is(token) + " AND rotated_at IS NULL"), 1);  // not consumed
  const auto own_origin = api_->base();                                   // http://127.0.0.1:port
  const auto same = cookie_post("/api/auth/refresh", token, "", {"Origin: " + own_origin});
  EXPECT_EQ(same.status, 200) << same.body;
}

TEST_F(WebSession, TheCorsPreflightNeverAllowsTheSessionHeader) {
  // Even for an allowed origin the header is not in Access-Control-Allow-Headers, so a page on
  // another origin cannot use cookie mode; without CORS_ALLOWED_ORIGINS the preflight is 403.
  const auto r =
      HttpClient(api_->base())
          .request("OPTIONS", "/api/auth/refresh", "",
                   {"Origin: https://evil.example", "Access-Control-Request-Method: POST",
                    "Access-Control-Request-Headers: x-tiket-session"});
  EXPECT_TRUE(r.is_problem(403)) << r.status << r.body;
  Api with_cors(tiket::test::EnvOverrides{{"CORS_ALLOWED_ORIGINS", "https://partner.example"}});
  const auto allowed =
      HttpClient(with_cors.base())
          .request("OPTIONS", "/api/auth/refresh", "",
                   {"Origin: https://partner.example", "Access-Control-Request-Method: POST",
                    "Access-Control-Request-Headers: x-tiket-session"});
  EXPECT_EQ(allowed.status, 204);
  const auto headers = allowed.header("access-control-allow-headers");
  EXPECT_FALSE(headers.empty());
  EXPECT_EQ(headers.find("X-Tiket-Session"), std::string::npos) << headers;
  EXPECT_EQ(allowed.header("access-control-allow-credentials"), "");
}

TEST_F(WebSession, LogoutReadsTheCookieRevokesItsFamilyAndClearsIt) {
  const auto token = cookie_token(cookie_login(unique("cookie-logout") + "@example.com"));
  const auto r = cookie_post("/api/auth/logout", token);
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(r.header("set-cookie").find("tiket_refresh=;"), std::string::npos)
      << r.header("set-cookie");
  EXPECT_TRUE(cookie_attributes(r).contains("Max-Age=0"));
  EXPECT_EQ(rows(*api_, hash_is(token) + " AND revoked_at IS NOT NULL"), 1);
  EXPECT_TRUE(cookie_post("/api/auth/refresh", token).is_problem(401));
  // Without a cookie there is nothing to end: still 204, and the cookie is cleared.
  EXPECT_EQ(cookie_post("/api/auth/logout", "").status, 204);
}

TEST_F(WebSession, LoginCodeVerifyHonoursCookieMode) {
  const auto email = unique("cookie-code") + "@example.com";
  api_->register_user(email, kPassword);
  ASSERT_EQ(api_->post("/api/auth/login-code", {{"email", email}}).status, 202);
  const auto code = api_->latest_code(email);
  const auto r = api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", code}}, "",
                            {kCookieMode});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json().contains("refresh_token"));
  EXPECT_EQ(rows(*api_, hash_is(cookie_token(r)) + " AND revoked_at IS NULL"), 1);
}

TEST_F(WebSession, WithoutTheHeaderTheJsonModeIsUnchanged) {
  const auto email = unique("json-mode") + "@example.com";
  const auto tokens = api_->customer_tokens(email, kPassword);
  ASSERT_TRUE(tokens.contains("refresh_token"));
  std::set<std::string> keys;
  for (const auto& [key, value] : tokens.items()) {
    keys.insert(key);
  }
  EXPECT_EQ(keys,
            (std::set<std::string>{"access_token", "token_type", "expires_in", "refresh_token"}));
  const auto login = api_->login(email, kPassword);
  EXPECT_EQ(login.header("set-cookie"), "");
  const auto refreshed =
      api_->post("/api/auth/refresh", {{"refresh_token", tokens["refresh_token"]}});
  ASSERT_EQ(refreshed.status, 200);
  EXPECT_EQ(refreshed.header("set-cookie"), "");
  EXPECT_TRUE(refreshed.json().contains("refresh_token"));
  // A cookie is ignored in JSON mode: the body's token is the one used (and required).
  const auto ignored = HttpClient(api_->base())
                           .post_json("/api/auth/refresh", "{}",
                                      {"Cookie: tiket_refresh=" +
                                       refreshed.json()["refresh_token"].get<std::string>()});
  EXPECT_TRUE(ignored.is_problem(400)) << ignored.body;
  EXPECT_EQ(
      api_->post("/api/auth/logout", {{"refresh_token", refreshed.json()["refresh_token"]}}).status,
      204);
}

// ---- GET /api/organizer/concerts and GET /api/bookings?status= ----

namespace {
std::string user_token(const Api& api, const std::string& role) {
  const auto email = unique(role) + "@example.com";
  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  const auto r =
      api.post("/api/users",
               {{"email", email}, {"password", kPassword}, {"name", "T"}, {"role", role}}, admin);
  if (r.status != 201) {
    throw std::runtime_error("create user failed: " + r.body);
  }
  return api.login(email, kPassword).json()["access_token"].get<std::string>();
}

std::int64_t user_id(const Api& api, const std::string& token) {
  return api.get("/api/auth/me", token).json()["id"].get<std::int64_t>();
}
}  // namespace

TEST_F(WebSession, OrganizersListTheirOwnConcertsInEveryStatusWithTicketTypes) {
  const auto organizer = user_token(*api_, "organizer");
  const auto other = user_token(*api_, "organizer");
  const auto published = tiket::test::create_concert(*api_, organizer, {{"Festival"}});
  const auto draft = tiket::test::create_concert(*api_, organizer, {{"VIP"}, {"Regular"}}, false);
  const auto cancelled = tiket::test::create_concert(*api_, organizer, {{"Floor"}});
  ASSERT_EQ(api_->patch("/api/concerts/" + std::to_string(cancelled.id), {{"status", "cancelled"}},
                        organizer)
                .status,
            200);
  const auto foreign = tiket::test::create_concert(*api_, other, {{"Other"}}, false);

  // Page by page, newest first, two at a time.
  std::vector<std::int64_t> seen;
  std::vector<std::string> statuses;
  std::string next = "/api/organizer/concerts?limit=2";
  while (!next.empty()) {
    const auto r = api_->get(next, organizer);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    for (const auto& c : page["items"]) {
      seen.push_back(c["id"].get<std::int64_t>());
      statuses.push_back(c["status"].get<std::string>());
      if (c["id"] == draft.id) {
        ASSERT_EQ(c["ticket_types"].size(), 2U);
        EXPECT_EQ(c["ticket_types"][0]["name"], "VIP");
      }
    }
    next = page["next_cursor"].is_null()
               ? ""
               : "/api/organizer/concerts?limit=2&cursor=" + page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{cancelled.id, draft.id, published.id}));
  EXPECT_EQ(statuses, (std::vector<std::string>{"cancelled", "draft", "published"}));

  const auto drafts = api_->get("/api/organizer/concerts?status=draft", organizer).json();
  ASSERT_EQ(drafts["items"].size(), 1U);
  EXPECT_EQ(drafts["items"][0]["id"], draft.id);

  // Another organizer's id is 403 for an organizer; an admin may name it.
  const auto other_id = user_id(*api_, other);
  EXPECT_TRUE(
      api_->get("/api/organizer/concerts?organizer_id=" + std::to_string(other_id), organizer)
          .is_problem(403));
  const auto admin = api_->admin_tokens()["access_token"].get<std::string>();
  const auto theirs =
      api_->get("/api/organizer/concerts?organizer_id=" + std::to_string(other_id), admin).json();
  ASSERT_EQ(theirs["items"].size(), 1U);
  EXPECT_EQ(theirs["items"][0]["id"], foreign.id);
  const auto all = api_->get("/api/organizer/concerts?limit=100", admin).json();
  std::set<std::int64_t> all_ids;
  for (const auto& c : all["items"]) {
    all_ids.insert(c["id"].get<std::int64_t>());
  }
  EXPECT_TRUE(all_ids.contains(foreign.id) && all_ids.contains(draft.id));
}

TEST_F(WebSession, OrganizerConcertListRefusesCustomersAndBadQueries) {
  const auto customer =
      api_->customer_tokens(unique("cust") + "@example.com")["access_token"].get<std::string>();
  EXPECT_TRUE(api_->get("/api/organizer/concerts", customer).is_problem(403));
  EXPECT_TRUE(api_->get("/api/organizer/concerts").is_problem(401));
  const auto organizer = user_token(*api_, "organizer");
  for (const auto* query : {"?status=sold", "?limit=0", "?limit=101", "?cursor=zzz",
                            "?organizer_id=abc", "?mine=true"}) {
    const auto r = api_->get(std::string("/api/organizer/concerts") + query, organizer);
    EXPECT_TRUE(r.is_problem(400)) << query << " " << r.status << r.body;
  }
  // A cursor of another list is not accepted here.
  const auto admin = api_->admin_tokens()["access_token"].get<std::string>();
  const auto users_page = api_->get("/api/users?limit=1", admin).json();
  ASSERT_FALSE(users_page["next_cursor"].is_null());
  EXPECT_TRUE(
      api_->get("/api/organizer/concerts?cursor=" + users_page["next_cursor"].get<std::string>(),
                organizer)
          .is_problem(400));
}

TEST_F(WebSession, CustomersFilterTheirOwnBookingsByStatus) {
  const auto organizer = user_token(*api_, "organizer");
  const auto concert = tiket::test::create_concert(*api_, organizer, {{"Festival"}});
  const auto customer =
      api_->customer_tokens(unique("filter") + "@example.com")["access_token"].get<std::string>();
  const auto items = tiket::test::items({{concert.types[0], 1}});
  const auto kept = tiket::test::book(*api_, customer, concert.id, items, unique("k"));
  const auto dropped = tiket::test::book(*api_, customer, concert.id, items, unique("k"));
  ASSERT_EQ(kept.status, 201);
  ASSERT_EQ(dropped.status, 201);
  const auto dropped_code = dropped.json()["code"].get<std::string>();
  ASSERT_EQ(
      api_->post("/api/bookings/" + dropped_code + "/cancel", Json::object(), customer).status,
      200);
  const auto pending = api_->get("/api/bookings?status=pending_payment", customer).json();
  ASSERT_EQ(pending["items"].size(), 1U);
  EXPECT_EQ(pending["items"][0]["code"], kept.json()["code"]);
  const auto cancelled = api_->get("/api/bookings?status=cancelled", customer).json();
  ASSERT_EQ(cancelled["items"].size(), 1U);
  EXPECT_EQ(cancelled["items"][0]["code"], dropped_code);
  EXPECT_TRUE(api_->get("/api/bookings?status=refunded", customer).is_problem(400));
}
