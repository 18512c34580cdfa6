// The users API, and POST /api/users as the answer to "at least five ways to secure it".
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "support/api.hpp"

using tiket::test::Api;

namespace {
class UsersApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { api_ = std::make_unique<Api>(); }
  static void TearDownTestSuite() { api_.reset(); }
  static std::string unique_email(const std::string& tag) {
    static int n = 0;
    return tag + "-" + std::to_string(++n) + "@example.com";
  }
  static std::string admin() { return api_->admin_tokens()["access_token"]; }
  static std::unique_ptr<Api> api_;
};
std::unique_ptr<Api> UsersApi::api_;

nlohmann::json new_user(const std::string& email, const std::string& role = "organizer") {
  return {{"email", email}, {"password", "correct-horse-42"}, {"name", "Made"}, {"role", role}};
}
}  // namespace

TEST_F(UsersApi, AdminCreatesAUserWithAnAuditRowAndNoHashInTheResponse) {
  const auto email = unique_email("created");
  const auto r = api_->post("/api/users", new_user(email), admin());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["role"], "organizer");
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  EXPECT_EQ(r.header("location"), "/api/users/" + std::to_string(r.json()["id"].get<long>()));
  const auto id = std::to_string(r.json()["id"].get<long>());
  EXPECT_EQ(
      api_->db().query_int("SELECT COUNT(*) FROM audit_log a JOIN users u ON u.id = a.actor_id "
                           "WHERE a.action = 'user.create' AND a.entity_id = '" +
                           id + "' AND u.email = 'root-admin@tiket.test'"),
      1);
  // The stored hash is argon2id.
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM users WHERE id = " + id +
                                 " AND password_hash LIKE '$argon2id$%'"),
            1);
  EXPECT_EQ(api_->login(email, "correct-horse-42").status, 200);
}

TEST_F(UsersApi, CreateNeedsAnAdmin) {
  EXPECT_TRUE(api_->post("/api/users", new_user(unique_email("anon"))).is_problem(401));
  const auto customer = api_->customer_tokens(unique_email("cust"))["access_token"];
  EXPECT_TRUE(
      api_->post("/api/users", new_user(unique_email("x"), "admin"), customer).is_problem(403));
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM users WHERE role = 'admin'"), 1);
}

TEST_F(UsersApi, CreateValidatesEveryFieldAndRefusesUnknownOnes) {
  const auto r = api_->post("/api/users",
                            {{"email", "bad"},
                             {"password", "password"},
                             {"name", ""},
                             {"role", "superuser"},
                             {"is_admin", true}},
                            admin());
  ASSERT_TRUE(r.is_problem(400)) << r.body;
  std::set<std::string> fields;
  const auto doc = r.json();  // keep the document alive while iterating over it
  for (const auto& e : doc["errors"]) {
    fields.insert(e["field"].get<std::string>());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"email", "password", "name", "role", "is_admin"}));
  EXPECT_TRUE(api_->post("/api/users", {{"email", 42}}, admin()).is_problem(400));
}

TEST_F(UsersApi, CreateWithATakenEmailIs409) {
  const auto email = unique_email("taken");
  ASSERT_EQ(api_->post("/api/users", new_user(email), admin()).status, 201);
  EXPECT_TRUE(api_->post("/api/users", new_user(email, "customer"), admin()).is_problem(409));
}

TEST_F(UsersApi, CreateBodyOverTheLimitIs413) {
  auto body = new_user(unique_email("big"));
  body["name"] = std::string(2 * 1024 * 1024, 'a');
  EXPECT_TRUE(api_->post("/api/users", body, admin()).is_problem(413));
}

TEST(UsersRateLimit, CreatingUsersIsRateLimitedPerAdmin) {
  Api api(tiket::test::EnvOverrides{{"RATE_LIMIT_USERS_CREATE", "2/3600"}});
  const auto token = api.admin_tokens()["access_token"].get<std::string>();
  EXPECT_EQ(api.post("/api/users", new_user("a1@example.com"), token).status, 201);
  EXPECT_EQ(api.post("/api/users", new_user("a2@example.com"), token).status, 201);
  const auto limited = api.post("/api/users", new_user("a3@example.com"), token);
  EXPECT_TRUE(limited.is_problem(429)) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
}

TEST_F(UsersApi, GetUserByIdFollowsTheCodeReviewRules) {
  const auto me_email = unique_email("me");
  const auto mine = api_->customer_tokens(me_email);
  const auto token = mine["access_token"].get<std::string>();
  const auto me = api_->get("/api/auth/me", token).json();
  const auto my_id = std::to_string(me["id"].get<long>());

  EXPECT_EQ(api_->get("/api/users/" + my_id, token).status, 200);
  for (const char* bad : {"abc", "0", "-1", "1.5", "01", "99999999999999999999", "1%20"}) {
    EXPECT_TRUE(api_->get(std::string("/api/users/") + bad, token).is_problem(400)) << bad;
  }
  EXPECT_TRUE(api_->get("/api/users/999999999", admin()).is_problem(404));
  // Another user's id looks exactly like a missing one to a non-admin.
  const auto other = api_->post("/api/users", new_user(unique_email("other")), admin()).json();
  const auto other_id = std::to_string(other["id"].get<long>());
  const auto hidden = api_->get("/api/users/" + other_id, token);
  const auto missing = api_->get("/api/users/999999998", token);
  EXPECT_TRUE(hidden.is_problem(404));
  EXPECT_EQ(hidden.json()["detail"], missing.json()["detail"]);
  EXPECT_EQ(api_->get("/api/users/" + other_id, admin()).status, 200);
}

TEST_F(UsersApi, ACustomerCannotPromoteThemself) {
  const auto tokens = api_->customer_tokens(unique_email("climber"));
  const auto token = tokens["access_token"].get<std::string>();
  const auto id = std::to_string(api_->get("/api/auth/me", token).json()["id"].get<long>());
  EXPECT_TRUE(api_->patch("/api/users/" + id, {{"role", "admin"}}, token).is_problem(403));
  EXPECT_TRUE(api_->patch("/api/users/" + id, {{"status", "active"}}, token).is_problem(403));
  EXPECT_EQ(api_->get("/api/auth/me", token).json()["role"], "customer");
  EXPECT_TRUE(api_->get("/api/users", token).is_problem(403));
}

TEST_F(UsersApi, AUserChangesTheirNameAndPasswordWithTheCurrentPassword) {
  const auto email = unique_email("changer");
  const auto tokens = api_->customer_tokens(email);
  const auto token = tokens["access_token"].get<std::string>();
  const auto id = std::to_string(api_->get("/api/auth/me", token).json()["id"].get<long>());

  const auto renamed = api_->patch("/api/users/" + id, {{"name", "Putu"}}, token);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json()["name"], "Putu");

  EXPECT_TRUE(
      api_->patch("/api/users/" + id, {{"password", "brand-new-secret-9"}}, token).is_problem(400));
  EXPECT_TRUE(api_->patch("/api/users/" + id,
                          {{"password", "brand-new-secret-9"}, {"current_password", "nope-nope-1"}},
                          token)
                  .is_problem(400));
  const auto changed = api_->patch(
      "/api/users/" + id,
      {{"password", "brand-new-secret-9"}, {"current_password", "correct-horse-42"}}, token);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(api_->login(email, "correct-horse-42").status, 401);
  EXPECT_EQ(api_->login(email, "brand-new-secret-9").status, 200);
  // The sessions from before the change are over.
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", tokens["refresh_token"]}})
                  .is_problem(401));
  EXPECT_TRUE(api_->patch("/api/users/" + id, {{"nickname", "x"}}, token).is_problem(400));
  EXPECT_TRUE(api_->patch("/api/users/" + id, nlohmann::json::object(), token).is_problem(400));
}

TEST_F(UsersApi, ADisabledUserCannotLogIn) {
  const auto email = unique_email("disabled");
  const auto tokens = api_->customer_tokens(email);
  const auto id =
      std::to_string(api_->get("/api/auth/me", tokens["access_token"]).json()["id"].get<long>());
  const auto r = api_->patch("/api/users/" + id, {{"status", "disabled"}}, admin());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "disabled");
  EXPECT_TRUE(api_->login(email, "correct-horse-42").is_problem(401));
  EXPECT_TRUE(api_->post("/api/auth/refresh", {{"refresh_token", tokens["refresh_token"]}})
                  .is_problem(401));
}

TEST_F(UsersApi, AnAdminCannotDemoteThemself) {
  const auto token = admin();
  const auto id = std::to_string(api_->get("/api/auth/me", token).json()["id"].get<long>());
  EXPECT_TRUE(api_->patch("/api/users/" + id, {{"role", "customer"}}, token).is_problem(422));
}

TEST_F(UsersApi, ListPagesWithAnOpaqueCursor) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(api_->post("/api/users", new_user(unique_email("page"), "customer"), admin()).status,
              201);
  }
  std::set<long> seen;
  std::string path = "/api/users?limit=2";
  for (int guard = 0; guard < 100; ++guard) {
    const auto r = api_->get(path, admin());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    EXPECT_LE(page["items"].size(), 2U);
    for (const auto& u : page["items"]) {
      EXPECT_TRUE(seen.insert(u["id"].get<long>()).second) << "a user appeared twice";
      EXPECT_FALSE(u.contains("password_hash"));
    }
    if (page["next_cursor"].is_null()) {
      break;
    }
    path = "/api/users?limit=2&cursor=" + page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(static_cast<long long>(seen.size()),
            api_->db().query_int("SELECT COUNT(*) FROM users"));
  EXPECT_TRUE(api_->get("/api/users?limit=0", admin()).is_problem(400));
  EXPECT_TRUE(api_->get("/api/users?limit=101", admin()).is_problem(400));
  EXPECT_TRUE(api_->get("/api/users?cursor=garbage!", admin()).is_problem(400));
  EXPECT_TRUE(api_->get("/api/users?role=root", admin()).is_problem(400));
  const auto customers = api_->get("/api/users?role=customer&limit=100", admin()).json();
  for (const auto& u : customers["items"]) {
    EXPECT_EQ(u["role"], "customer");
  }
}

TEST_F(UsersApi, ListRefusesAnUnknownParameterAndABadLimitWithProblemJson) {
  // A typo must not silently list everyone.
  const auto typo = api_->get("/api/users?rol=admin", admin());
  ASSERT_TRUE(typo.is_problem(400)) << typo.body;
  const auto typo_doc = typo.json();
  ASSERT_EQ(typo_doc["errors"].size(), 1U) << typo.body;
  EXPECT_EQ(typo_doc["errors"][0]["field"], "rol");
  EXPECT_EQ(typo_doc["errors"][0]["message"], "is not a known query parameter");

  for (const char* limit : {"0", "101", "ten", "-1"}) {
    const auto r = api_->get(std::string("/api/users?limit=") + limit, admin());
    ASSERT_TRUE(r.is_problem(400)) << limit << ": " << r.body;
    const auto doc = r.json();
    ASSERT_EQ(doc["errors"].size(), 1U) << r.body;
    EXPECT_EQ(doc["errors"][0]["field"], "limit");
  }

  // Every problem in one answer.
  const auto all = api_->get("/api/users?role=root&limit=0&sort=email", admin());
  ASSERT_TRUE(all.is_problem(400)) << all.body;
  std::set<std::string> fields;
  const auto all_doc = all.json();
  for (const auto& e : all_doc["errors"]) {
    fields.insert(e["field"].get<std::string>());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"role", "limit", "sort"}));
  // Authorization is decided before the query is read.
  EXPECT_TRUE(api_->get("/api/users?rol=admin").is_problem(401));
}

TEST(CreateAdminCommand, RefusesAWeakPasswordAndADuplicate) {
  tiket::test::TestDatabase db;
  const auto local = tiket::test::temp_dir("tiket-cli");
  auto env = tiket::test::server_env(
      db.url_string(), {{"LOCAL_DIR", local},
                        {"COMMON_PASSWORDS_FILE", TIKET_DATA_DIR "/common-passwords.txt"},
                        {"ADMIN_PASSWORD", "password"}});
  tiket::test::Process weak(TIKET_API_BIN, {"create-admin", "--email", "a@example.com"}, env);
  EXPECT_EQ(weak.wait(std::chrono::seconds(60)), 2) << weak.output();
  env["ADMIN_PASSWORD"] = "a-strong-admin-pass";
  tiket::test::Process ok(TIKET_API_BIN, {"create-admin", "--email", "a@example.com"}, env);
  EXPECT_EQ(ok.wait(std::chrono::seconds(60)), 0) << ok.output();
  tiket::test::Process again(TIKET_API_BIN, {"create-admin", "--email", "a@example.com"}, env);
  EXPECT_EQ(again.wait(std::chrono::seconds(60)), 1) << again.output();
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM users WHERE role = 'admin'"), 1);
  std::filesystem::remove_all(local);
}
