#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <regex>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using tiket::test::HttpClient;
using tiket::test::HttpResponse;
using tiket::test::Server;
using tiket::test::server_env;
using tiket::test::TestDatabase;

namespace {
double in_flight(const std::string& base) {
  const auto r = HttpClient(base).get("/metrics");
  static const std::regex kGauge(R"(\nhttp_requests_in_flight (\d+))");
  std::smatch m;
  return std::regex_search(r.body, m, kGauge) ? std::stod(m[1]) : -1;
}
}  // namespace

TEST(GracefulShutdown, SigtermDuringABurstLosesNoAcceptedRequest) {
  constexpr int kBurst = 24;
  TestDatabase db;
  // Each request takes 2 s, so the first eight are still running when the last of the burst
  // arrives even on a slow runner; three rounds of them (6 s) stay inside the raised header
  // timeout.
  Server server(TIKET_FIXTURE_BIN,
                server_env(db.url_string(), {{"WORKER_THREADS", "8"},
                                             {"SHUTDOWN_TIMEOUT_MS", "30000"},
                                             {"HTTP_HEADER_TIMEOUT_MS", "60000"}}));
  const auto base = server.base_url();

  // 24 slow requests on 8 workers: some run, most wait in the queue when the signal lands.
  std::vector<std::future<HttpResponse>> burst;
  for (int i = 0; i < kBurst; ++i) {
    burst.push_back(
        std::async(std::launch::async, [&] { return HttpClient(base).get("/test/slow?ms=2000"); }));
  }
  // Wait until the server has accepted all of them (the scrape itself counts as one).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (in_flight(base) < kBurst + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(in_flight(base), kBurst + 1);

  server.process().signal(SIGTERM);

  // New work is refused while the accepted requests finish (the burst still has seconds to
  // run; the signal only needs to have been handled).
  HttpResponse late = HttpClient(base).get("/readyz");
  const auto refused_by = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (late.status == 200 && std::chrono::steady_clock::now() < refused_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    late = HttpClient(base).get("/readyz");
  }
  EXPECT_TRUE(late.is_problem(503) || !late.error.empty()) << late.status << " " << late.body;

  int ok = 0;
  for (auto& f : burst) {
    const auto r = f.get();
    EXPECT_EQ(r.status, 200) << r.error << " " << r.body;
    ok += r.status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok, kBurst);
  const auto code = server.process().wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "server did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << server.process().output();
  EXPECT_NE(server.process().output().find(R"("clean":true)"), std::string::npos);
}
