// The catalog API over real HTTP on a real database: concerts, ticket types, who may see and
// change what, search and filters, keyset pagination, and the read cache (coalescing,
// invalidation, TTL 0) measured through /metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include "core/timestamp.hpp"
#include "support/api.hpp"

using tiket::test::Api;
using tiket::test::EnvOverrides;
using tiket::test::HttpClient;
using tiket::test::HttpResponse;
using Json = nlohmann::json;

namespace {

constexpr const char* kPassword = "correct-horse-42";

// RFC 3339, `days` from now at 12:00:00 UTC (optionally plus some minutes).
std::string days_ahead(int days, int minutes = 0) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return tiket::core::format_rfc3339(tiket::core::Timestamp(
      today + std::chrono::days(days) + std::chrono::hours(12) + std::chrono::minutes(minutes)));
}

std::string unique(const std::string& tag) {
  static int n = 0;
  return tag + std::to_string(++n);
}

// Creates a user with `role` through the admin API and returns an access token.
std::string token_for(const Api& api, const std::string& role) {
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

HttpResponse del(const Api& api, const std::string& path, const std::string& token) {
  std::vector<std::string> headers;
  if (!token.empty()) {
    headers.push_back(tiket::test::bearer(token));
  }
  return HttpClient(api.base()).request("DELETE", path, "", headers);
}

Json concert_body(const std::string& title, const std::string& city, const std::string& starts_at,
                  const std::string& artist = "Some Artist") {
  return {{"title", title},
          {"artist", artist},
          {"venue", "Main Hall"},
          {"city", city},
          {"starts_at", starts_at}};
}

std::int64_t create(const Api& api, const std::string& token, const Json& body) {
  const auto r = api.post("/api/concerts", body, token);
  if (r.status != 201) {
    throw std::runtime_error("create concert failed: " + r.body);
  }
  return r.json()["id"].get<std::int64_t>();
}

void add_type(const Api& api, const std::string& token, std::int64_t id, const std::string& name,
              std::int64_t price, std::int64_t quota = 100) {
  const auto r = api.post("/api/concerts/" + std::to_string(id) + "/ticket-types",
                          {{"name", name}, {"price", price}, {"quota", quota}}, token);
  if (r.status != 201) {
    throw std::runtime_error("add ticket type failed: " + r.body);
  }
}

HttpResponse set_status(const Api& api, const std::string& token, std::int64_t id,
                        const std::string& status) {
  return api.patch("/api/concerts/" + std::to_string(id), {{"status", status}}, token);
}

// A published concert with one ticket type.
std::int64_t published(const Api& api, const std::string& token, const Json& body,
                       std::int64_t price = 350'000) {
  const auto id = create(api, token, body);
  add_type(api, token, id, "Festival", price);
  if (set_status(api, token, id, "published").status != 200) {
    throw std::runtime_error("publish failed");
  }
  return id;
}

std::string concert_path(std::int64_t id) {
  return "/api/concerts/" + std::to_string(id);
}

// The value of one sample in /metrics, e.g. tiket_catalog_db_queries_total{query="list"}.
double metric(const Api& api, const std::string& series) {
  const auto r = api.get("/metrics");
  const auto at = r.body.find("\n" + series + " ");
  if (at == std::string::npos) {
    return 0;
  }
  return std::stod(r.body.substr(at + series.size() + 2));
}

const std::string kListQueries = R"(tiket_catalog_db_queries_total{query="list"})";
const std::string kDetailQueries = R"(tiket_catalog_db_queries_total{query="detail"})";
const std::string kHits = R"(tiket_catalog_cache_requests_total{result="hit"})";
const std::string kMisses = R"(tiket_catalog_cache_requests_total{result="miss"})";
const std::string kCoalesced = R"(tiket_catalog_cache_requests_total{result="coalesced"})";
const std::string kDeadlockRetries = R"(tiket_db_transaction_retries_total{error="deadlock"})";

std::vector<std::string> titles(const Json& page) {
  std::vector<std::string> out;
  for (const auto& c : page["items"]) {
    out.push_back(c["title"].get<std::string>());
  }
  return out;
}

std::set<std::string> error_fields(const HttpResponse& r) {
  std::set<std::string> out;
  const auto doc = r.json();
  for (const auto& e : doc["errors"]) {
    out.insert(e["field"].get<std::string>());
  }
  return out;
}

class CatalogApi : public ::testing::Test {
 protected:
  // A long TTL: any stale read a missing invalidation would cause shows up.
  static void SetUpTestSuite() {
    api_ = std::make_unique<Api>(EnvOverrides{{"CATALOG_CACHE_TTL_MS", "60000"}});
    organizer_ = token_for(*api_, "organizer");
  }
  static void TearDownTestSuite() { api_.reset(); }
  static std::unique_ptr<Api> api_;
  static std::string organizer_;
};
std::unique_ptr<Api> CatalogApi::api_;
std::string CatalogApi::organizer_;

}  // namespace

TEST_F(CatalogApi, OrganizerCreatesADraftAddsTicketTypesAndPublishesIt) {
  const auto city = unique("Jakarta");
  const auto r =
      api_->post("/api/concerts", concert_body("Java Jazz", city, days_ahead(30)), organizer_);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto draft = r.json();
  const auto id = draft["id"].get<std::int64_t>();
  EXPECT_EQ(r.header("location"), concert_path(id));
  EXPECT_EQ(draft["status"], "draft");
  EXPECT_EQ(draft["starts_at"], days_ahead(30));
  EXPECT_TRUE(draft["min_price"].is_null());
  EXPECT_EQ(draft["ticket_types"], Json::array());
  const auto me = api_->get("/api/auth/me", organizer_).json();
  EXPECT_EQ(draft["organizer_id"], me["id"]);

  const auto type_path = concert_path(id) + "/ticket-types";
  const auto vip =
      api_->post(type_path, {{"name", "VIP"}, {"price", 1'250'000}, {"quota", 50}}, organizer_);
  ASSERT_EQ(vip.status, 201) << vip.body;
  EXPECT_EQ(vip.json()["available"], 50);
  EXPECT_TRUE(vip.json()["per_user_limit"].is_null());
  const auto festival = api_->post(
      type_path, {{"name", "Festival"}, {"price", 350'000}, {"quota", 1000}, {"per_user_limit", 4}},
      organizer_);
  ASSERT_EQ(festival.status, 201) << festival.body;
  EXPECT_EQ(festival.json()["per_user_limit"], 4);
  EXPECT_EQ(festival.json()["available"], 1000);
  // The cheapest price is kept on the concert row for the price filter.
  EXPECT_EQ(api_->db().query_int("SELECT min_price FROM concerts WHERE id = " + std::to_string(id)),
            350'000);

  const auto published = set_status(*api_, organizer_, id, "published");
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.json()["status"], "published");

  const auto seen = api_->get(concert_path(id));  // anonymous
  ASSERT_EQ(seen.status, 200) << seen.body;
  const auto concert = seen.json();
  EXPECT_EQ(concert["min_price"], 350'000);
  ASSERT_EQ(concert["ticket_types"].size(), 2U);
  EXPECT_EQ(concert["ticket_types"][0]["name"], "VIP");
  EXPECT_EQ(concert["ticket_types"][1]["quota"], 1000);
  const auto list = api_->get("/api/concerts?city=" + city).json();
  ASSERT_EQ(list["items"].size(), 1U);
  EXPECT_EQ(list["items"][0], concert);
  EXPECT_TRUE(list["next_cursor"].is_null());

  EXPECT_EQ(api_->db().query_int(
                "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'concert' AND entity_id = '" +
                std::to_string(id) + "'"),
            4);  // create, two ticket types, publish
}

TEST_F(CatalogApi, OnlyOrganizersAndAdminsManageConcerts) {
  const auto customer = token_for(*api_, "customer");
  const auto body = concert_body("Nope", "Jakarta", days_ahead(10));
  EXPECT_TRUE(api_->post("/api/concerts", body, customer).is_problem(403));
  EXPECT_TRUE(api_->post("/api/concerts", body).is_problem(401));
  const auto id = create(*api_, organizer_, concert_body("Mine", "Jakarta", days_ahead(10)));
  EXPECT_TRUE(api_->patch(concert_path(id), {{"title", "x"}}, customer).is_problem(403));
  EXPECT_TRUE(del(*api_, concert_path(id), customer).is_problem(403));
  EXPECT_TRUE(api_->post(concert_path(id) + "/ticket-types",
                         {{"name", "A"}, {"price", 1}, {"quota", 1}}, customer)
                  .is_problem(403));
  const auto admin = api_->admin_tokens()["access_token"].get<std::string>();
  const auto by_admin = api_->post("/api/concerts", body, admin);
  EXPECT_EQ(by_admin.status, 201) << by_admin.body;
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM concerts WHERE title = 'Nope'"), 1);
}

TEST_F(CatalogApi, AnotherOrganizersConcertLooksMissing) {
  const auto id = create(*api_, organizer_, concert_body("Private", "Medan", days_ahead(12)));
  const auto other = token_for(*api_, "organizer");
  const auto patched = api_->patch(concert_path(id), {{"title", "Hijacked"}}, other);
  const auto missing = api_->patch("/api/concerts/999999999", {{"title", "Hijacked"}}, other);
  EXPECT_TRUE(patched.is_problem(404)) << patched.body;
  EXPECT_EQ(patched.json()["detail"], missing.json()["detail"]);
  EXPECT_TRUE(del(*api_, concert_path(id), other).is_problem(404));
  EXPECT_TRUE(api_->post(concert_path(id) + "/ticket-types",
                         {{"name", "A"}, {"price", 1}, {"quota", 1}}, other)
                  .is_problem(404));
  EXPECT_TRUE(api_->get(concert_path(id), other).is_problem(404));
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM concerts WHERE title = 'Hijacked'"), 0);
  // An admin may change anyone's concert.
  const auto admin = api_->admin_tokens()["access_token"].get<std::string>();
  EXPECT_EQ(api_->patch(concert_path(id), {{"venue", "Arena"}}, admin).status, 200);
}

TEST_F(CatalogApi, DraftsAreVisibleOnlyToTheirOwnerAndAdmins) {
  const auto city = unique("Bogor");
  const auto id = create(*api_, organizer_, concert_body("Secret", city, days_ahead(20)));
  const auto anonymous = api_->get(concert_path(id));
  EXPECT_TRUE(anonymous.is_problem(404));
  EXPECT_EQ(anonymous.json()["detail"], api_->get("/api/concerts/999999999").json()["detail"]);
  EXPECT_TRUE(api_->get(concert_path(id), token_for(*api_, "customer")).is_problem(404));
  EXPECT_EQ(api_->get(concert_path(id), organizer_).status, 200);
  EXPECT_EQ(api_->get(concert_path(id), api_->admin_tokens()["access_token"]).status, 200);
  // A token that is sent must be valid, even where none is needed.
  const auto bad = api_->get(concert_path(id), "not-a-token");
  EXPECT_TRUE(bad.is_problem(401));
  EXPECT_FALSE(bad.header("www-authenticate").empty());
  EXPECT_TRUE(api_->get("/api/concerts?city=" + city).json()["items"].empty());
  // Cancelled concerts are hidden the same way.
  add_type(*api_, organizer_, id, "Festival", 100);
  ASSERT_EQ(set_status(*api_, organizer_, id, "published").status, 200);
  EXPECT_EQ(api_->get(concert_path(id)).status, 200);
  EXPECT_EQ(api_->get("/api/concerts?city=" + city).json()["items"].size(), 1U);
  ASSERT_EQ(set_status(*api_, organizer_, id, "cancelled").status, 200);
  EXPECT_TRUE(api_->get(concert_path(id)).is_problem(404));
  EXPECT_TRUE(api_->get("/api/concerts?city=" + city).json()["items"].empty());
  EXPECT_EQ(api_->get(concert_path(id), organizer_).json()["status"], "cancelled");
}

TEST_F(CatalogApi, PublishingWithoutTicketTypesIs422) {
  const auto id = create(*api_, organizer_, concert_body("Empty", "Malang", days_ahead(15)));
  const auto r = set_status(*api_, organizer_, id, "published");
  EXPECT_TRUE(r.is_problem(422)) << r.body;
  EXPECT_EQ(api_->get(concert_path(id), organizer_).json()["status"], "draft");
}

TEST_F(CatalogApi, StatusMovesOnlyForward) {
  const auto id = published(*api_, organizer_, concert_body("Forward", "Solo", days_ahead(15)));
  EXPECT_TRUE(set_status(*api_, organizer_, id, "draft").is_problem(422));
  // Naming the current status is a no-op, so a client may send the whole object back.
  EXPECT_EQ(set_status(*api_, organizer_, id, "published").status, 200);
  ASSERT_EQ(set_status(*api_, organizer_, id, "cancelled").status, 200);
  EXPECT_TRUE(set_status(*api_, organizer_, id, "published").is_problem(422));
  EXPECT_TRUE(set_status(*api_, organizer_, id, "draft").is_problem(422));
  EXPECT_TRUE(api_->patch(concert_path(id), {{"title", "Back"}}, organizer_).is_problem(422));
  EXPECT_TRUE(api_->post(concert_path(id) + "/ticket-types",
                         {{"name", "Late"}, {"price", 1}, {"quota", 1}}, organizer_)
                  .is_problem(422));
  EXPECT_EQ(api_->get(concert_path(id), organizer_).json()["status"], "cancelled");
  const auto draft = create(*api_, organizer_, concert_body("Drop", "Solo", days_ahead(15)));
  EXPECT_EQ(set_status(*api_, organizer_, draft, "cancelled").status, 200);
}

TEST_F(CatalogApi, OnlyDraftsCanBeDeleted) {
  const auto draft = create(*api_, organizer_, concert_body("Gone", "Kediri", days_ahead(9)));
  add_type(*api_, organizer_, draft, "Festival", 1);
  EXPECT_EQ(del(*api_, concert_path(draft), organizer_).status, 204);
  EXPECT_TRUE(api_->get(concert_path(draft), organizer_).is_problem(404));
  EXPECT_EQ(api_->db().query_int("SELECT COUNT(*) FROM ticket_types WHERE concert_id = " +
                                 std::to_string(draft)),
            0);
  const auto live = published(*api_, organizer_, concert_body("Live", "Kediri", days_ahead(9)));
  const auto r = del(*api_, concert_path(live), organizer_);
  EXPECT_TRUE(r.is_problem(409)) << r.body;
  EXPECT_EQ(api_->get(concert_path(live)).status, 200);
}

TEST_F(CatalogApi, TicketTypesAreValidatedAndNamesAreUniquePerConcert) {
  const auto id = create(*api_, organizer_, concert_body("Types", "Batam", days_ahead(9)));
  const auto path = concert_path(id) + "/ticket-types";
  ASSERT_EQ(api_->post(path, {{"name", "VIP"}, {"price", 1}, {"quota", 10}}, organizer_).status,
            201);
  const auto dup = api_->post(path, {{"name", "VIP"}, {"price", 2}, {"quota", 5}}, organizer_);
  EXPECT_TRUE(dup.is_problem(409)) << dup.body;
  // The same name on another concert is fine.
  const auto other = create(*api_, organizer_, concert_body("Types 2", "Batam", days_ahead(9)));
  EXPECT_EQ(api_->post(concert_path(other) + "/ticket-types",
                       {{"name", "VIP"}, {"price", 1}, {"quota", 10}}, organizer_)
                .status,
            201);

  const auto bad = api_->post(
      path, {{"name", ""}, {"price", -1}, {"quota", 0}, {"per_user_limit", 0}, {"colour", "red"}},
      organizer_);
  ASSERT_TRUE(bad.is_problem(400)) << bad.body;
  EXPECT_EQ(error_fields(bad),
            (std::set<std::string>{"name", "price", "quota", "per_user_limit", "colour"}));
  const auto over = api_->post(
      path, {{"name", "Odd"}, {"price", 1}, {"quota", 2}, {"per_user_limit", 3}}, organizer_);
  EXPECT_EQ(error_fields(over), std::set<std::string>{"per_user_limit"});
  EXPECT_TRUE(api_->post(path,
                         {{"name", "Big"}, {"price", 1'000'000'000'001}, {"quota", 1'000'001}},
                         organizer_)
                  .is_problem(400));
  EXPECT_TRUE(api_->post("/api/concerts/999999999/ticket-types",
                         {{"name", "X"}, {"price", 1}, {"quota", 1}}, organizer_)
                  .is_problem(404));
}

TEST_F(CatalogApi, ConcurrentTicketTypesOnOneConcertAllLand) {
  const auto id = create(*api_, organizer_, concert_body("Busy", "Cirebon", days_ahead(9)));
  const auto deadlocks = metric(*api_, kDeadlockRetries);
  constexpr std::size_t kWriters = 8;
  std::latch start(kWriters);
  std::vector<long> statuses(kWriters);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(api_->base());
      start.arrive_and_wait();
      const Json body = {{"name", "Tier " + std::to_string(i)},
                         {"price", 1000 * static_cast<std::int64_t>(i + 1)},
                         {"quota", 10}};
      statuses[i] = client
                        .post_json(concert_path(id) + "/ticket-types", body.dump(),
                                   {tiket::test::bearer(organizer_)})
                        .status;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(statuses, std::vector<long>(kWriters, 201));
  const auto concert = api_->get(concert_path(id), organizer_).json();
  EXPECT_EQ(concert["ticket_types"].size(), kWriters);
  EXPECT_EQ(concert["min_price"], 1000);
  // The concert row is locked FOR UPDATE before the insert: without that, the inserts' shared
  // foreign-key locks deadlock when min_price is updated (measured: 2 to 9 per 8 writers),
  // and only the retry in db::transaction hides it.
  EXPECT_EQ(metric(*api_, kDeadlockRetries), deadlocks);
}

TEST_F(CatalogApi, CreateAndUpdateValidateEveryField) {
  const auto bad = api_->post("/api/concerts",
                              {{"title", ""},
                               {"venue", std::string(201, 'v')},
                               {"city", 5},
                               {"starts_at", "next friday"},
                               {"status", "published"}},
                              organizer_);
  ASSERT_TRUE(bad.is_problem(400)) << bad.body;
  EXPECT_EQ(error_fields(bad),
            (std::set<std::string>{"title", "artist", "venue", "city", "starts_at", "status"}));
  const auto past = api_->post("/api/concerts",
                               concert_body("Old", "Jakarta", "2020-01-01T00:00:00Z"), organizer_);
  EXPECT_EQ(error_fields(past), std::set<std::string>{"starts_at"});

  const auto id = create(*api_, organizer_, concert_body("Valid", "Jakarta", days_ahead(9)));
  EXPECT_EQ(error_fields(api_->patch(concert_path(id), Json::object(), organizer_)),
            std::set<std::string>{"body"});
  EXPECT_EQ(error_fields(api_->patch(concert_path(id),
                                     {{"status", "live"}, {"starts_at", "2020-01-01T00:00:00Z"}},
                                     organizer_)),
            (std::set<std::string>{"status", "starts_at"}));
  for (const char* bad_id : {"abc", "0", "-1", "01"}) {
    EXPECT_TRUE(api_->get(std::string("/api/concerts/") + bad_id).is_problem(400)) << bad_id;
  }
  const auto moved =
      api_->patch(concert_path(id), {{"starts_at", "2030-05-01T19:30:00+07:00"}, {"venue", "Dome"}},
                  organizer_);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json()["starts_at"], "2030-05-01T12:30:00Z");
  EXPECT_EQ(moved.json()["venue"], "Dome");
  EXPECT_EQ(moved.json()["title"], "Valid");
}

TEST_F(CatalogApi, BadQueryValuesAre400WithEveryProblem) {
  for (const char* query :
       {"min_price=abc", "max_price=-1", "min_price=1.5", "from=yesterday",
        "to=2026-13-01T00:00:00Z", "from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z",
        "min_price=10&max_price=5", "limit=0", "limit=101", "limit=ten", "cursor=garbage", "q=a",
        "q=the", "citty=Jakarta", "city="}) {
    const auto r = api_->get(std::string("/api/concerts?") + query);
    EXPECT_TRUE(r.is_problem(400)) << query << " → " << r.status << " " << r.body;
    EXPECT_FALSE(r.json()["errors"].empty()) << query;
  }
  const auto all = api_->get("/api/concerts?min_price=x&from=bad&limit=0&sort=title&cursor=zzz");
  ASSERT_TRUE(all.is_problem(400)) << all.body;
  EXPECT_EQ(error_fields(all),
            (std::set<std::string>{"min_price", "from", "limit", "sort", "cursor"}));
}

TEST_F(CatalogApi, AWriteIsVisibleAtOnceDespiteALongTtl) {
  const auto city = unique("Padang");
  const auto id = published(*api_, organizer_, concert_body("Before", city, days_ahead(40)));
  const auto list_path = "/api/concerts?city=" + city;
  ASSERT_EQ(api_->get(concert_path(id)).json()["title"], "Before");
  ASSERT_EQ(titles(api_->get(list_path).json()), std::vector<std::string>{"Before"});
  // Warm: the same reads again do not touch the database.
  const auto details_before = metric(*api_, kDetailQueries);
  const auto lists_before = metric(*api_, kListQueries);
  EXPECT_EQ(api_->get(concert_path(id)).json()["title"], "Before");
  EXPECT_EQ(titles(api_->get(list_path).json()), std::vector<std::string>{"Before"});
  EXPECT_EQ(metric(*api_, kDetailQueries), details_before);
  EXPECT_EQ(metric(*api_, kListQueries), lists_before);

  ASSERT_EQ(api_->patch(concert_path(id), {{"title", "After"}}, organizer_).status, 200);
  EXPECT_EQ(api_->get(concert_path(id)).json()["title"], "After");
  EXPECT_EQ(titles(api_->get(list_path).json()), std::vector<std::string>{"After"});

  // A new ticket type changes the detail, min_price and the price filter at once too.
  add_type(*api_, organizer_, id, "Cheap", 10);
  EXPECT_EQ(api_->get(concert_path(id)).json()["min_price"], 10);
  EXPECT_EQ(titles(api_->get(list_path + "&max_price=10").json()),
            std::vector<std::string>{"After"});
  ASSERT_EQ(set_status(*api_, organizer_, id, "cancelled").status, 200);
  EXPECT_TRUE(api_->get(concert_path(id)).is_problem(404));
  EXPECT_TRUE(api_->get(list_path).json()["items"].empty());
}

// 24 concurrent cold reads of one list: one database query. The concerts table is locked
// while they arrive, so the first request's query cannot finish before all the others have
// joined it (enough workers that all 24 are in flight at once); then the lock is released.
TEST(CatalogCoalescing, ConcurrentColdReadsOfOneListRunOneQuery) {
  constexpr std::size_t kClients = 24;
  // The loader's query waits on the table lock for as long as the test needs: a slow runner
  // gets 20 s for all 24 to arrive, well inside the raised DB read and header timeouts.
  Api api(EnvOverrides{{"CATALOG_CACHE_TTL_MS", "60000"},
                       {"WORKER_THREADS", "32"},
                       {"DB_READ_TIMEOUT_S", "40"},
                       {"HTTP_HEADER_TIMEOUT_MS", "60000"}});
  const auto organizer = token_for(api, "organizer");
  published(api, organizer, concert_body("Crowd", "Manado", days_ahead(33)));
  const std::string path = "/api/concerts?city=Manado&limit=5";  // never requested: cold
  const auto queries = metric(api, kListQueries);
  const auto misses = metric(api, kMisses);
  const auto coalesced = metric(api, kCoalesced);

  auto blocker = api.db().connect();
  blocker->execute("LOCK TABLES concerts WRITE");
  std::latch start(kClients);
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(api.base());
      start.arrive_and_wait();
      responses[i] = client.get(path);
    });
  }
  // Everyone but the loader is waiting for its result (bounded: the lock must go before the
  // server's DB read timeout cuts the loader).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (metric(api, kCoalesced) - coalesced < kClients - 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto waiting = metric(api, kCoalesced) - coalesced;
  blocker->execute("UNLOCK TABLES");
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(waiting, kClients - 1);
  for (const auto& r : responses) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, responses[0].body);
  }
  EXPECT_EQ(titles(responses[0].json()), std::vector<std::string>{"Crowd"});
  EXPECT_EQ(metric(api, kListQueries) - queries, 1);
  EXPECT_EQ(metric(api, kMisses) - misses, 1);
  EXPECT_EQ(metric(api, kCoalesced) - coalesced, kClients - 1);
  // Stored: the next read is a hit and no query.
  EXPECT_EQ(api.get(path).body, responses[0].body);
  EXPECT_EQ(metric(api, kListQueries) - queries, 1);
}

TEST(CatalogCacheOff, ZeroTtlQueriesTheDatabaseOnEveryRead) {
  Api api(EnvOverrides{{"CATALOG_CACHE_TTL_MS", "0"}});
  const auto organizer = token_for(api, "organizer");
  const auto id = published(api, organizer, concert_body("Uncached", "Ambon", days_ahead(8)));
  const auto lists = metric(api, kListQueries);
  const auto details = metric(api, kDetailQueries);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(api.get("/api/concerts?city=Ambon").status, 200);
    ASSERT_EQ(api.get(concert_path(id)).status, 200);
  }
  EXPECT_EQ(metric(api, kListQueries) - lists, 3);
  EXPECT_EQ(metric(api, kDetailQueries) - details, 3);
  EXPECT_EQ(metric(api, kHits), 0);
  EXPECT_EQ(metric(api, kCoalesced), 0);
  // Without a cache the booking module's changes to `available` show at once; with one they
  // may lag by up to the TTL.
  auto conn = api.db().connect();
  conn->execute("UPDATE ticket_types SET available = available - 3 WHERE concert_id = " +
                std::to_string(id));
  EXPECT_EQ(api.get(concert_path(id)).json()["ticket_types"][0]["available"], 97);
}

// The uncached detail is one statement (a LEFT JOIN); its edges: no ticket type at all (the
// join's NULL row must not become a type), several types in id order, a NULL and a set
// per_user_limit. The list reads ticket types with a different statement, so its item must be
// the same bytes as the detail.
TEST(CatalogCacheOff, TheDetailReadsZeroOrManyTicketTypesLikeTheList) {
  Api api(EnvOverrides{{"CATALOG_CACHE_TTL_MS", "0"}});
  const auto organizer = token_for(api, "organizer");
  const auto city = unique("Kupang");
  const auto created =
      api.post("/api/concerts", concert_body("Bare", city, days_ahead(9)), organizer);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = created.json()["id"].get<std::int64_t>();
  const auto details = metric(api, kDetailQueries);
  const auto bare = api.get(concert_path(id), organizer);
  ASSERT_EQ(bare.status, 200) << bare.body;
  EXPECT_EQ(bare.json(), created.json());
  EXPECT_EQ(bare.json()["ticket_types"], Json::array());
  EXPECT_TRUE(bare.json()["min_price"].is_null());
  EXPECT_EQ(metric(api, kDetailQueries) - details, 1);
  EXPECT_TRUE(api.get("/api/concerts/999999999").is_problem(404));

  add_type(api, organizer, id, "VIP", 1'250'000, 50);
  const auto limited =
      api.post(concert_path(id) + "/ticket-types",
               {{"name", "Festival"}, {"price", 350'000}, {"quota", 1000}, {"per_user_limit", 4}},
               organizer);
  ASSERT_EQ(limited.status, 201) << limited.body;
  add_type(api, organizer, id, "Early", 100'000, 10);
  ASSERT_EQ(set_status(api, organizer, id, "published").status, 200);
  const auto detail = api.get(concert_path(id));
  ASSERT_EQ(detail.status, 200) << detail.body;
  const auto types = detail.json()["ticket_types"];
  ASSERT_EQ(types.size(), 3U);
  EXPECT_EQ(types[0]["name"], "VIP");
  EXPECT_TRUE(types[0]["per_user_limit"].is_null());
  EXPECT_EQ(types[1]["name"], "Festival");
  EXPECT_EQ(types[1]["per_user_limit"], 4);
  EXPECT_EQ(types[2]["name"], "Early");
  EXPECT_EQ(detail.json()["min_price"], 100'000);
  const auto list = api.get("/api/concerts?city=" + city);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["items"].size(), 1U);
  EXPECT_EQ(detail.body, list.json()["items"][0].dump());
}

// A fixed data set for the filters: published concerts in four cities, plus a draft and a
// cancelled one that must never show up.
class CatalogSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    api_ = std::make_unique<Api>(EnvOverrides{{"CATALOG_CACHE_TTL_MS", "60000"}});
    const auto org = token_for(*api_, "organizer");
    const auto& a = *api_;
    published(a, org, concert_body("Java Jazz Evening", "Jakarta", days_ahead(10), "Nusantara"),
              350'000);
    published(a, org, concert_body("Senayan Pop Night", "Jakarta", days_ahead(20), "Kirana"),
              150'000);
    published(a, org, concert_body("Braga Indie Fest", "Bandung", days_ahead(15), "Teras Sore"),
              500'000);
    published(a, org,
              concert_body("Suroboyo Rock", "Surabaya", days_ahead(30), "Arek Jazz Collective"),
              1'000'000);
    published(a, org, concert_body("Yogya Strings", "Yogyakarta", days_ahead(40), "Orkes"), 0);
    // Two at the very same time: the keyset's id breaks the tie.
    published(a, org, concert_body("Twin Show One", "Denpasar", days_ahead(50), "Twins"),
              2'000'000);
    published(a, org, concert_body("Twin Show Two", "Denpasar", days_ahead(50), "Twins"),
              2'000'000);
    create(a, org, concert_body("Jakarta Jazz Draft", "Jakarta", days_ahead(12), "Nusantara"));
    const auto cancelled = published(
        a, org, concert_body("Cancelled Jazz", "Jakarta", days_ahead(14), "Nusantara"), 200'000);
    set_status(a, org, cancelled, "cancelled");
  }
  static void TearDownTestSuite() { api_.reset(); }

  static std::vector<std::string> find(const std::string& query) {
    const auto r = api_->get("/api/concerts?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return titles(r.json());
  }

  static std::unique_ptr<Api> api_;
};
std::unique_ptr<Api> CatalogSearch::api_;

TEST_F(CatalogSearch, ListsPublishedConcertsByStartTime) {
  EXPECT_EQ(find(""), (std::vector<std::string>{
                          "Java Jazz Evening", "Braga Indie Fest", "Senayan Pop Night",
                          "Suroboyo Rock", "Yogya Strings", "Twin Show One", "Twin Show Two"}));
  const auto page = api_->get("/api/concerts").json();
  for (const auto& c : page["items"]) {
    EXPECT_EQ(c["status"], "published");
    EXPECT_EQ(c["ticket_types"].size(), 1U);
  }
}

TEST_F(CatalogSearch, CityIsExactAndCaseInsensitive) {
  const std::vector<std::string> jakarta = {"Java Jazz Evening", "Senayan Pop Night"};
  EXPECT_EQ(find("city=Jakarta"), jakarta);
  EXPECT_EQ(find("city=jAKARTA"), jakarta);
  EXPECT_EQ(find("city=%20Jakarta%20"), jakarta);
  EXPECT_TRUE(find("city=Jak").empty());
  EXPECT_EQ(find("city=Bandung"), std::vector<std::string>{"Braga Indie Fest"});
}

TEST_F(CatalogSearch, QMatchesWordPrefixesInTitleOrArtist) {
  const std::vector<std::string> jazz = {"Java Jazz Evening", "Suroboyo Rock"};  // title, artist
  EXPECT_EQ(find("q=jazz"), jazz);
  EXPECT_EQ(find("q=JAZ"), jazz);
  EXPECT_EQ(find("q=java%20jazz"), std::vector<std::string>{"Java Jazz Evening"});
  EXPECT_EQ(find("q=the%20kirana"), std::vector<std::string>{"Senayan Pop Night"});
  // Boolean operators are not syntax: "-rock" does not exclude, every word is required.
  EXPECT_EQ(find("q=%2Bjazz%20-rock"), std::vector<std::string>{"Suroboyo Rock"});
  EXPECT_EQ(find("q=jazz%22)%20(*"), jazz);
  EXPECT_TRUE(find("q=nothing-like-this").empty());
  EXPECT_EQ(find("q=jazz&city=surabaya"), std::vector<std::string>{"Suroboyo Rock"});
}

TEST_F(CatalogSearch, FromAndToBoundStartsAtInclusively) {
  EXPECT_EQ(find("from=" + days_ahead(14) + "&to=" + days_ahead(25)),
            (std::vector<std::string>{"Braga Indie Fest", "Senayan Pop Night"}));
  EXPECT_EQ(find("from=" + days_ahead(40)),
            (std::vector<std::string>{"Yogya Strings", "Twin Show One", "Twin Show Two"}));
  EXPECT_EQ(find("to=" + days_ahead(10)), std::vector<std::string>{"Java Jazz Evening"});
  // An offset is applied: 19:00+07:00 is 12:00Z.
  const auto local = days_ahead(10).substr(0, 10) + "T19:00:00%2B07:00";
  EXPECT_EQ(find("to=" + local), std::vector<std::string>{"Java Jazz Evening"});
  EXPECT_TRUE(find("from=" + days_ahead(10, 1) + "&to=" + days_ahead(14)).empty());
}

TEST_F(CatalogSearch, PriceRangeAppliesToTheCheapestTicket) {
  EXPECT_EQ(find("min_price=300000"),
            (std::vector<std::string>{"Java Jazz Evening", "Braga Indie Fest", "Suroboyo Rock",
                                      "Twin Show One", "Twin Show Two"}));
  EXPECT_EQ(find("max_price=400000"),
            (std::vector<std::string>{"Java Jazz Evening", "Senayan Pop Night", "Yogya Strings"}));
  EXPECT_EQ(find("min_price=100000&max_price=400000"),
            (std::vector<std::string>{"Java Jazz Evening", "Senayan Pop Night"}));
  EXPECT_EQ(find("min_price=0&max_price=0"), std::vector<std::string>{"Yogya Strings"});
  EXPECT_EQ(find("min_price=350000&max_price=350000&city=jakarta"),
            std::vector<std::string>{"Java Jazz Evening"});
}

TEST_F(CatalogSearch, CursorWalksEveryPageOnceInOrder) {
  for (const unsigned limit : {1U, 2U, 3U, 7U}) {
    std::vector<std::string> seen;
    std::set<std::int64_t> ids;
    std::string path = "/api/concerts?limit=" + std::to_string(limit);
    for (int pages = 0; pages < 20; ++pages) {
      const auto r = api_->get(path);
      ASSERT_EQ(r.status, 200) << r.body;
      const auto page = r.json();
      EXPECT_LE(page["items"].size(), limit);
      for (const auto& c : page["items"]) {
        seen.push_back(c["title"].get<std::string>());
        EXPECT_TRUE(ids.insert(c["id"].get<std::int64_t>()).second) << "duplicate";
      }
      if (page["next_cursor"].is_null()) {
        break;
      }
      path = "/api/concerts?limit=" + std::to_string(limit) +
             "&cursor=" + page["next_cursor"].get<std::string>();
    }
    EXPECT_EQ(seen, find("limit=100")) << "limit " << limit;
  }
  // Filters combine with the cursor.
  const auto first = api_->get("/api/concerts?city=denpasar&limit=1").json();
  ASSERT_EQ(titles(first), std::vector<std::string>{"Twin Show One"});
  const auto second = api_->get("/api/concerts?city=denpasar&limit=1&cursor=" +
                                first["next_cursor"].get<std::string>())
                          .json();
  EXPECT_EQ(titles(second), std::vector<std::string>{"Twin Show Two"});
  EXPECT_TRUE(second["next_cursor"].is_null());
}

TEST(CatalogSeed, SeedDemoCreatesPublishedConcertsOnce) {
  Api api;
  auto env = tiket::test::server_env(api.db().url_string(), {{"LOCAL_DIR", api.local_dir()}});
  for (int run = 0; run < 2; ++run) {
    tiket::test::Process seed(TIKET_API_BIN, {"seed-demo"}, env);
    ASSERT_EQ(seed.wait(std::chrono::seconds(60)), 0) << seed.output();
  }
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM concerts c JOIN users u ON u.id = "
                               "c.organizer_id WHERE u.email = 'organizer@tiket.test' AND "
                               "c.status = 'published'"),
            6);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM concerts"), 6);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(DISTINCT city) FROM concerts"), 4);
  EXPECT_GE(api.db().query_int("SELECT COUNT(*) FROM concerts WHERE city = 'Jakarta'"), 2);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM concerts c WHERE (SELECT COUNT(*) FROM "
                               "ticket_types t WHERE t.concert_id = c.id) NOT BETWEEN 2 AND 3"),
            0);
  EXPECT_EQ(api.db().query_int("SELECT COUNT(*) FROM concerts WHERE starts_at <= NOW(6)"), 0);
  const auto list = api.get("/api/concerts?city=Jakarta").json();
  EXPECT_EQ(list["items"].size(), 2U);
  EXPECT_EQ(list["items"][0]["ticket_types"][0]["name"], "Festival");
  EXPECT_EQ(list["items"][0]["ticket_types"][0]["per_user_limit"], 4);
}
