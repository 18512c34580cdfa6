#include <gtest/gtest.h>

#include <thread>

#include "support/fault_proxy.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using tiket::test::FaultProxy;
using tiket::test::HttpClient;
using tiket::test::Process;
using tiket::test::Server;
using tiket::test::server_env;
using tiket::test::TestDatabase;

namespace {
long wait_for_status(const std::string& base, const std::string& path, long want,
                     std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  long last = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    last = HttpClient(base).get(path).status;
    if (last == want) {
      return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}
}  // namespace

TEST(Readiness, Is503WhileTheDatabaseIsUnreachableAndRecovers) {
  TestDatabase db;
  FaultProxy proxy(db.url().host, db.url().port);
  Server server(TIKET_API_BIN,
                server_env(db.url_string_via("127.0.0.1", proxy.port()),
                           {{"DB_CONNECT_TIMEOUT_S", "1"}, {"DB_READ_TIMEOUT_S", "2"}}));
  // On a loaded machine (ASan, a busy CI runner) each step may take a while, so every state
  // change is waited for with generous patience; what is asserted is the state itself.
  const auto patience = std::chrono::seconds(30);
  ASSERT_EQ(wait_for_status(server.base_url(), "/readyz", 200, patience), 200)
      << server.process().output();

  proxy.cut();
  ASSERT_EQ(wait_for_status(server.base_url(), "/readyz", 503, patience), 503)
      << server.process().output();
  HttpClient client(server.base_url());
  const auto down = client.get("/readyz");
  EXPECT_TRUE(down.is_problem(503)) << down.status << " " << down.body;
  EXPECT_FALSE(down.header("retry-after").empty());
  // Liveness does not depend on the database.
  EXPECT_EQ(client.get("/healthz").status, 200);

  proxy.restore();
  EXPECT_EQ(wait_for_status(server.base_url(), "/readyz", 200, patience), 200)
      << server.process().output();
}

TEST(Readiness, Is503UntilMigrationsAreApplied) {
  TestDatabase db;
  Server server(TIKET_API_BIN, server_env(db.url_string(), {{"MIGRATE_ON_START", "false"}}));
  const auto before = HttpClient(server.base_url()).get("/readyz");
  EXPECT_TRUE(before.is_problem(503)) << before.body;
  EXPECT_NE(before.body.find("migrations"), std::string::npos);

  Process migrate(TIKET_API_BIN, {"migrate"}, server_env(db.url_string()));
  ASSERT_EQ(migrate.wait(std::chrono::seconds(60)), 0) << migrate.output();
  EXPECT_EQ(HttpClient(server.base_url()).get("/readyz").status, 200);
}
