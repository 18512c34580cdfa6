// Auth against a real server and database: both login methods, tokens, rate limits, and the
// attacks the issue names. Each test states the rule it protects.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <regex>
#include <set>

#include "auth/jwt.hpp"
#include "fakes/fake_smtp_server.hpp"
#include "support/api.hpp"

using tiket::test::Api;
using tiket::test::bearer;
using tiket::test::HttpClient;

namespace {

std::string b64url(const std::string& in) {
  std::string out(sodium_base64_ENCODED_LEN(in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string b64url_decode(const std::string& in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.c_str(), in.size(),
                    nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(len);
  return out;
}

class AuthApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    api_ = std::make_unique<Api>();
  }
  static void TearDownTestSuite() { api_.reset(); }
  static std::string unique_email(const std::string& tag) {
    static int n = 0;
    return tag + "-" + std::to_string(++n) + "@example.com";
  }
  static std::unique_ptr<Api> api_;
};
std::unique_ptr<Api> AuthApi::api_;

}  // namespace

TEST_F(AuthApi, RegisterCreatesACustomerWithoutLeakingTheHash) {
  const auto r = api_->register_user(unique_email("reg"), "correct-horse-42", "Ayu");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto user = r.json();
  EXPECT_EQ(user["role"], "customer");
  EXPECT_EQ(user["status"], "active");
  EXPECT_EQ(user["name"], "Ayu");
  for (const char* key : {"id", "email", "name", "role", "status", "created_at"}) {
    EXPECT_TRUE(user.contains(key)) << key;
  }
  EXPECT_EQ(user.size(), 6U) << r.body;
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  EXPECT_EQ(r.body.find("password"), std::string::npos);
}

TEST_F(AuthApi, RegisterRefusesARoleInTheBodyAndCreatesNobody) {
  const auto email = unique_email("sneaky");
  const auto r = api_->post(
      "/api/auth/register",
      {{"email", email}, {"password", "correct-horse-42"}, {"name", "Mallory"}, {"role", "admin"}});
  ASSERT_TRUE(r.is_problem(400)) << r.body;
  EXPECT_EQ(r.json()["errors"][0]["field"], "role");
  EXPECT_EQ(api_->login(email, "correct-horse-42").status, 401);
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM users WHERE role = 'admin'"), 1);
}

TEST_F(AuthApi, RegisterReportsEveryInvalidFieldAtOnce) {
  const auto r = api_->post("/api/auth/register",
                            {{"email", "not-an-email"}, {"password", "short"}, {"extra", 1}});
  ASSERT_TRUE(r.is_problem(400)) << r.body;
  std::set<std::string> fields;
  const auto doc = r.json();  // keep the document alive while iterating over it
  for (const auto& e : doc["errors"]) {
    fields.insert(e["field"].get<std::string>());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"email", "password", "name", "extra"})) << r.body;
}

TEST_F(AuthApi, PasswordPolicyRefusesCommonAndEmailEqualPasswords) {
  const auto email = unique_email("policy");
  const auto common = api_->register_user(email, "1234567890");
  ASSERT_TRUE(common.is_problem(400)) << common.body;
  EXPECT_EQ(common.json()["errors"][0]["field"], "password");
  const auto same = api_->register_user(email, email);
  EXPECT_TRUE(same.is_problem(400)) << same.body;
  const auto long_one = api_->register_user(email, std::string(129, 'x'));
  EXPECT_TRUE(long_one.is_problem(400));
}

TEST_F(AuthApi, DuplicateEmailIs409WhateverTheCase) {
  const auto email = unique_email("dup");
  ASSERT_EQ(api_->register_user(email, "correct-horse-42").status, 201);
  std::string upper = email;
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(api_->register_user(upper, "correct-horse-42").is_problem(409));
}

TEST_F(AuthApi, LoginReturnsATokenPairThatAuthenticates) {
  const auto email = unique_email("login");
  const auto tokens = api_->customer_tokens(email);
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["expires_in"], 900);
  EXPECT_EQ(tokens["refresh_token"].get<std::string>().size(), 43U);
  const auto me = api_->get("/api/auth/me", tokens["access_token"]);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["email"], email);
  // The kid in the token header is published in the JWKS.
  const auto token = tokens["access_token"].get<std::string>();
  const auto header = nlohmann::json::parse(b64url_decode(token.substr(0, token.find('.'))));
  const auto jwks = api_->get("/.well-known/jwks.json").json();
  EXPECT_EQ(jwks["keys"][0]["kid"], header["kid"]);
  EXPECT_EQ(header["alg"], "RS256");
}

TEST_F(AuthApi, UnknownEmailAndWrongPasswordGetIdenticalAnswers) {
  const auto email = unique_email("enum");
  ASSERT_EQ(api_->register_user(email, "correct-horse-42").status, 201);
  const std::vector<std::string> same_id = {"X-Request-Id: enum-probe"};
  const auto wrong = api_->post("/api/auth/login",
                                {{"email", email}, {"password", "wrong-password-1"}}, "", same_id);
  const auto unknown = api_->post(
      "/api/auth/login", {{"email", unique_email("nobody")}, {"password", "wrong-password-1"}}, "",
      same_id);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.header("www-authenticate"), wrong.header("www-authenticate"));
}

TEST_F(AuthApi, MissingTamperedUnsignedAndExpiredTokensAre401) {
  const auto tokens = api_->customer_tokens(unique_email("tamper"));
  const auto token = tokens["access_token"].get<std::string>();
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');

  const auto missing = api_->get("/api/auth/me");
  EXPECT_TRUE(missing.is_problem(401));
  EXPECT_FALSE(missing.header("www-authenticate").empty());

  auto payload = nlohmann::json::parse(b64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  payload["role"] = "admin";
  const auto tampered = token.substr(0, dot1 + 1) + b64url(payload.dump()) + token.substr(dot2);
  EXPECT_TRUE(api_->get("/api/auth/me", tampered).is_problem(401));

  const auto none = b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(payload.dump()) + ".";
  EXPECT_TRUE(api_->get("/api/auth/me", none).is_problem(401));

  // A token signed with the server's own key whose lifetime ended long ago.
  const auto key = tiket::auth::KeyPair::load(std::filesystem::path(api_->local_dir()) / "keys" /
                                              "jwt-private.pem");
  const tiket::auth::JwtService same_key(key, {});
  const auto sub = std::stoll(payload["sub"].get<std::string>());
  const auto expired =
      same_key.issue(sub, "customer", std::chrono::system_clock::now() - std::chrono::hours(2));
  EXPECT_TRUE(api_->get("/api/auth/me", expired).is_problem(401));
  // ...while a fresh one from the same key works, so the 401 above is about expiry.
  EXPECT_EQ(api_->get("/api/auth/me", same_key.issue(sub, "customer")).status, 200);

  EXPECT_TRUE(
      HttpClient(api_->base()).get("/api/auth/me", {"Authorization: Basic abc"}).is_problem(401));
}

TEST_F(AuthApi, RefreshRotatesAndReuseRevokesTheWholeFamily) {
  const auto first = api_->customer_tokens(unique_email("refresh"));
  const auto r1 = first["refresh_token"].get<std::string>();
  const auto rotated = api_->post("/api/auth/refresh", {{"refresh_token", r1}});
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto r2 = rotated.json()["refresh_token"].get<std::string>();
  EXPECT_NE(r1, r2);
  EXPECT_EQ(api_->get("/api/auth/me", rotated.json()["access_token"]).status, 200);

  // r1 was already used: someone copied it. The family dies, r2 included.
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", r1}}).is_problem(401));
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", r2}}).is_problem(401));
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", "not-a-token"}}).is_problem(401));
}

TEST_F(AuthApi, LogoutRevokesTheFamily) {
  const auto tokens = api_->customer_tokens(unique_email("logout"));
  const auto r = tokens["refresh_token"].get<std::string>();
  EXPECT_EQ(api_->post("/api/auth/logout", {{"refresh_token", r}}).status, 204);
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", r}}).is_problem(401));
}

TEST_F(AuthApi, LoginCodeWorksOnceAndIsStoredOnlyAsAKeyedHash) {
  const auto email = unique_email("code");
  ASSERT_EQ(api_->register_user(email, "correct-horse-42").status, 201);
  ASSERT_EQ(api_->post("/api/auth/login-code", {{"email", email}}).status, 202);
  const auto code = api_->latest_code(email);
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM login_codes WHERE code_hash = '" + code +
                                 "' OR code_hash LIKE '%" + code + "%'"),
            0);
  const auto ok = api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", code}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["token_type"], "Bearer");
  EXPECT_TRUE(api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", code}})
                  .is_problem(401));
}

TEST_F(AuthApi, LoginCodeDiesAfterFiveWrongGuesses) {
  const auto email = unique_email("guess");
  ASSERT_EQ(api_->register_user(email, "correct-horse-42").status, 201);
  ASSERT_EQ(api_->post("/api/auth/login-code", {{"email", email}}).status, 202);
  const auto code = api_->latest_code(email);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", wrong}})
                    .is_problem(401));
  }
  EXPECT_TRUE(api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", code}})
                  .is_problem(401));
}

TEST_F(AuthApi, ANewerLoginCodeReplacesTheOlderOne) {
  const auto email = unique_email("replace");
  ASSERT_EQ(api_->register_user(email, "correct-horse-42").status, 201);
  ASSERT_EQ(api_->post("/api/auth/login-code", {{"email", email}}).status, 202);
  const auto old_code = api_->latest_code(email);
  ASSERT_EQ(api_->post("/api/auth/login-code", {{"email", email}}).status, 202);
  const auto new_code = api_->latest_code(email);
  if (old_code != new_code) {
    EXPECT_TRUE(api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", old_code}})
                    .is_problem(401));
  }
  EXPECT_EQ(
      api_->post("/api/auth/login-code/verify", {{"email", email}, {"code", new_code}}).status,
      200);
}

TEST_F(AuthApi, LoginCodeForAnUnknownEmailIs202AndSendsNothing) {
  const auto email = unique_email("ghost");
  const auto r = api_->post("/api/auth/login-code", {{"email", email}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(
      api_->db().query_int("SELECT COUNT(*) FROM mail_outbox WHERE to_email = '" + email + "'"), 0);
}

TEST(AuthRateLimits, GuessingPasswordsTurnsInto429WithRetryAfter) {
  Api api(tiket::test::EnvOverrides{{"RATE_LIMIT_LOGIN_ACCOUNT", "3/3600"}});
  const auto email = std::string("victim@example.com");
  ASSERT_EQ(api.register_user(email, "correct-horse-42").status, 201);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(api.login(email, "guess-number-" + std::to_string(i)).status, 401);
  }
  const auto limited = api.login(email, "guess-number-4");
  ASSERT_TRUE(limited.is_problem(429)) << limited.body;
  EXPECT_GE(std::stoi(limited.header("retry-after")), 1);
  // The right password does not get through either while the bucket is empty.
  EXPECT_EQ(api.login(email, "correct-horse-42").status, 429);
}

TEST(AuthRateLimits, ForwardedForIsTrustedOnlyFromConfiguredProxies) {
  // Two servers: one trusts the loopback proxy, one trusts nobody.
  for (const bool trusted : {true, false}) {
    Api api(tiket::test::EnvOverrides{{"RATE_LIMIT_LOGIN_IP", "2/3600"},
                                      {"TRUSTED_PROXIES", trusted ? "127.0.0.1, ::1" : ""}});
    auto attempt = [&](const std::string& client) {
      return api.post("/api/auth/login",
                      {{"email", "x" + client + "@example.com"}, {"password", "whatever-123"}}, "",
                      {"X-Forwarded-For: " + client});
    };
    EXPECT_EQ(attempt("203.0.113.1").status, 401);
    EXPECT_EQ(attempt("203.0.113.1").status, 401);
    // A third attempt claiming another client address: a separate bucket only behind a proxy
    // we trust; otherwise the header is ignored and the socket address is limited.
    EXPECT_EQ(attempt("203.0.113.2").status, trusted ? 401 : 429) << "trusted=" << trusted;
  }
}

TEST(AuthProduction, SmtpDeliversTheCodeAndTheOutboxEndpointDoesNotExist) {
  tiket::test::FakeSmtpServer smtp;
  const auto keys = tiket::test::temp_dir("tiket-prod-keys");
  const auto key_file = std::filesystem::path(keys) / "jwt-private.pem";
  tiket::auth::load_or_create_dev_key(keys);  // stands in for a key from a secret store
  Api api(tiket::test::EnvOverrides{{"APP_ENV", "production"},
                                    {"JWT_PRIVATE_KEY_FILE", key_file.string()},
                                    {"LOGIN_CODE_SECRET", std::string(64, 'k')},
                                    {"MAILER", "smtp"},
                                    {"SMTP_URL", smtp.url()},
                                    {"SMTP_FROM", "no-reply@tiket.test"},
                                    {"SMTP_REQUIRE_TLS", "false"},
                                    {"MIDTRANS_SERVER_KEY", "Mid-server-test"}});
  const auto email = std::string("prod-user@example.com");
  ASSERT_EQ(api.register_user(email, "correct-horse-42").status, 201);
  ASSERT_EQ(api.post("/api/auth/login-code", {{"email", email}}).status, 202);
  ASSERT_TRUE(smtp.wait_for_messages(1, std::chrono::seconds(10)));
  const auto mail = smtp.messages().front();
  ASSERT_EQ(mail.rcpt_to.size(), 1U);
  EXPECT_EQ(mail.rcpt_to[0], email);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mail.body, m, std::regex(R"(\b(\d{6})\b)"))) << mail.body;
  EXPECT_EQ(
      api.post("/api/auth/login-code/verify", {{"email", email}, {"code", m[1].str()}}).status,
      200);

  const auto admin = api.admin_tokens()["access_token"].get<std::string>();
  EXPECT_TRUE(api.get("/api/admin/mail-outbox?to=" + email, admin).is_problem(404));
  std::filesystem::remove_all(keys);
}
