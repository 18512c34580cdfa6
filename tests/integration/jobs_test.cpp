// Scheduled jobs (ADR 0014) against real tiket-api processes sharing one real database: the
// lease lets one replica run each slot, a killed holder is replaced once its lease runs out,
// missed slots run once, and the admin endpoints answer 202/409/404/403. The `sleep` job exists
// only under APP_ENV=test with JOBS_TEST_SLEEP_MS (docs/api.md); it is how a run is made slow.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "support/api.hpp"
#include "support/shop.hpp"

using tiket::test::Api;
using tiket::test::EnvOverrides;
using tiket::test::metric;
using tiket::test::Server;

namespace {

// Polls `ready` until it holds or `patience` runs out (slow CI machines: generous patience,
// and the test passes as soon as the state is reached).
bool eventually(const std::function<bool()>& ready,
                std::chrono::seconds patience = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

EnvOverrides sleep_job(const std::string& replica, const std::string& sleep_ms,
                       const std::string& interval_s, const std::string& timeout_s) {
  return {{"JOBS_REPLICA_ID", replica},
          {"JOBS_POLL_INTERVAL_MS", "100"},
          {"JOBS_TEST_SLEEP_MS", sleep_ms},
          {"JOBS_TEST_SLEEP_INTERVAL_S", interval_s},
          {"JOBS_TEST_SLEEP_TIMEOUT_S", timeout_s},
          // The real jobs stay out of the way unless a test wants them.
          {"BOOKING_EXPIRY_INTERVAL_S", "3600"},
          {"PAYMENT_RECONCILE_INTERVAL_S", "3600"},
          {"REPORTS_ROLLUP_INTERVAL_S", "3600"}};
}

class Jobs : public ::testing::Test {
 protected:
  explicit Jobs(const EnvOverrides& env = sleep_job("a", "30000", "3600", "60"))
      : env_(env), api_(env), admin_(api_.admin_tokens()["access_token"].get<std::string>()) {}

  // A second replica on the same database and keys.
  std::unique_ptr<Server> replica(const std::string& id) {
    auto env = tiket::test::server_env(api_.db().url_string(), env_);
    env["JOBS_REPLICA_ID"] = id;
    env["LOCAL_DIR"] = api_.local_dir();
    return std::make_unique<Server>(TIKET_API_BIN, env);
  }

  long long count(const std::string& sql) { return api_.db().query_int(sql); }

  std::string text(const std::string& sql) {
    auto conn = api_.db().connect();
    auto& stmt = conn->prepare(sql);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() && !rs->isNull(1) ? std::string(rs->getString(1)) : std::string("<null>");
  }

  nlohmann::json job(const std::string& name) {
    const auto r = api_.get("/api/admin/jobs", admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    for (const auto& item : body["items"]) {
      if (item["name"] == name) {
        return item;
      }
    }
    return nullptr;
  }

  EnvOverrides env_;
  Api api_;
  std::string admin_;
};

TEST_F(Jobs, ListsTheRegistryWithSchedulesAndRefusesNonAdmins) {
  const auto r = api_.get("/api/admin/jobs", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> names;
  const auto body = r.json();
  for (const auto& item : body["items"]) {
    names.push_back(item["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"expire-bookings", "reconcile-payments", "purge",
                                             "rollup-sales", "flush-request-counts", "sleep"}));
  const auto expire = job("expire-bookings");
  EXPECT_EQ(expire["schedule"], (nlohmann::json{{"kind", "interval"}, {"every_seconds", 3600}}));
  EXPECT_EQ(expire["running"], false);
  EXPECT_TRUE(expire["last_run"].is_null());
  const auto purge = job("purge");
  EXPECT_EQ(purge["schedule"],
            (nlohmann::json{{"kind", "daily"}, {"at", "03:30"}, {"time_zone", "Asia/Jakarta"}}));

  const auto budi = api_.customer_tokens("budi@example.id")["access_token"].get<std::string>();
  EXPECT_TRUE(api_.get("/api/admin/jobs", budi).is_problem(403));
  EXPECT_TRUE(
      api_.post("/api/admin/jobs/sleep/run", nlohmann::json::object(), budi).is_problem(403));
  EXPECT_TRUE(api_.get("/api/admin/jobs/sleep/runs", budi).is_problem(403));
  EXPECT_TRUE(api_.get("/api/admin/jobs").is_problem(401));
  EXPECT_TRUE(api_.post("/api/admin/jobs/no-such-job/run", nlohmann::json::object(), admin_)
                  .is_problem(404));
  EXPECT_TRUE(api_.get("/api/admin/jobs/no-such-job/runs", admin_).is_problem(404));
  EXPECT_TRUE(api_.get("/api/admin/jobs/sleep/runs?limitt=2", admin_).is_problem(400));
  EXPECT_TRUE(api_.get("/api/admin/jobs/sleep/runs?cursor=bm9wZQ", admin_).is_problem(400));
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_runs"), 0);
}

TEST_F(Jobs, AManualRunWhileRunningIs409AndShutdownRecordsIt) {
  const auto started = api_.post("/api/admin/jobs/sleep/run", nlohmann::json::object(), admin_);
  ASSERT_EQ(started.status, 202) << started.body;
  const auto run_id = started.json()["run_id"].get<long long>();
  const auto again = api_.post("/api/admin/jobs/sleep/run", nlohmann::json::object(), admin_);
  EXPECT_TRUE(again.is_problem(409)) << again.status << " " << again.body;

  const auto listed = job("sleep");
  EXPECT_EQ(listed["running"], true);
  EXPECT_EQ(listed["locked_by"], "a");
  EXPECT_EQ(listed["last_run"]["id"], run_id);
  EXPECT_EQ(listed["last_run"]["outcome"], "running");
  EXPECT_EQ(listed["last_run"]["trigger"], "manual");
  EXPECT_FALSE(listed["last_run"]["admin_id"].is_null());

  // SIGTERM mid-run: the job is told to stop, its run is recorded and its lease released.
  api_.server().process().signal(SIGTERM);
  ASSERT_TRUE(api_.server().process().wait(std::chrono::seconds(60)).has_value());
  EXPECT_EQ(text("SELECT outcome FROM job_runs WHERE id = " + std::to_string(run_id)), "failed");
  EXPECT_EQ(text("SELECT error FROM job_runs WHERE id = " + std::to_string(run_id)),
            "Interrupted: the replica shut down.");
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_locks WHERE name = 'sleep' AND locked_by IS NULL "
                  "AND locked_until <= UTC_TIMESTAMP(6)"),
            1);
}

TEST_F(Jobs, RunsArePagedNewestFirst) {
  // A short job: each manual run finishes before the next is asked for.
  std::vector<long long> ids;
  ids.reserve(3);
  for (int i = 0; i < 3; ++i) {
    ids.push_back(api_.run_job("reconcile-payments", admin_)["id"].get<long long>());
  }
  const auto first = api_.get("/api/admin/jobs/reconcile-payments/runs?limit=2", admin_);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json()["items"].size(), 2U);
  EXPECT_EQ(first.json()["items"][0]["id"], ids[2]);
  EXPECT_EQ(first.json()["items"][1]["id"], ids[1]);
  EXPECT_EQ(first.json()["items"][0]["outcome"], "succeeded");
  EXPECT_EQ(first.json()["items"][0]["detail"]["checked"], 0);
  const auto cursor = first.json()["next_cursor"].get<std::string>();
  const auto second =
      api_.get("/api/admin/jobs/reconcile-payments/runs?limit=2&cursor=" + cursor, admin_);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json()["items"].size(), 1U);
  EXPECT_EQ(second.json()["items"][0]["id"], ids[0]);
  EXPECT_TRUE(second.json()["next_cursor"].is_null());
  // Metrics: runs by job and outcome, durations, the last success.
  EXPECT_EQ(
      metric(api_, R"(tiket_job_runs_total{job_name="reconcile-payments",outcome="succeeded"})"),
      3);
  EXPECT_EQ(metric(api_, R"(tiket_job_run_duration_seconds_count{job_name="reconcile-payments"})"),
            3);
  EXPECT_GT(
      metric(api_, R"(tiket_job_last_success_timestamp_seconds{job_name="reconcile-payments"})"),
      1.7e9);
  EXPECT_EQ(metric(api_, R"(tiket_job_interval_seconds{job_name="reconcile-payments"})"), 3600);
  EXPECT_EQ(metric(api_, R"(tiket_job_interval_seconds{job_name="purge"})"), 86400);
  // A cursor belongs to its list.
  EXPECT_TRUE(api_.get("/api/users?cursor=" + cursor, admin_).is_problem(400));
}

class JobsTwoReplicas : public Jobs {
 protected:
  // A 300 ms job due every second, looked for every 100 ms by two replicas.
  JobsTwoReplicas() : Jobs(sleep_job("a", "300", "1", "10")) {}
};

TEST_F(JobsTwoReplicas, EachSlotRunsOnceAcrossTwoReplicas) {
  const auto b = replica("b");
  ASSERT_TRUE(eventually([&] {
    return count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep' AND outcome = 'succeeded'") >=
           8;
  })) << count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep'");
  // One row per slot, and no two runs of the job ever overlapped.
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT due_at FROM job_runs WHERE job = 'sleep' "
                  "GROUP BY due_at HAVING COUNT(*) > 1) AS twice"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_runs x JOIN job_runs y ON x.id < y.id "
                  "WHERE x.job = 'sleep' AND y.job = 'sleep' AND x.outcome <> 'skipped' "
                  "AND y.outcome <> 'skipped' AND y.started_at < x.finished_at"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep' AND run_trigger = 'schedule' "
                  "AND outcome IN ('failed', 'timed_out')"),
            0);
}

class JobsLease : public Jobs {
 protected:
  // A job that would sleep a minute, with a 4 s lease, due every second.
  JobsLease() : Jobs(sleep_job("a", "60000", "1", "4")) {}
};

TEST_F(JobsLease, AKilledHolderIsTakenOverWhenItsLeaseExpires) {
  const auto b = replica("b");
  // A lease with at least 2 of its 4 seconds left, read in one statement.
  std::string lease;
  ASSERT_TRUE(eventually([&] {
    lease = text(
        "SELECT CONCAT(locked_by, ' ', run_id, ' ', locked_until) FROM job_locks "
        "WHERE name = 'sleep' AND run_id IS NOT NULL "
        "AND locked_until > UTC_TIMESTAMP(6) + INTERVAL 2 SECOND");
    return lease != "<null>";
  }));
  const auto holder = lease.substr(0, 1);
  const auto rest = lease.substr(2);
  const auto run_id = rest.substr(0, rest.find(' '));
  const auto until = rest.substr(rest.find(' ') + 1);
  ASSERT_TRUE(holder == "a" || holder == "b") << lease;
  const std::string other = holder == "a" ? "b" : "a";
  (holder == "a" ? api_.server().process() : b->process()).signal(SIGKILL);

  // The survivor starts the next run only once the dead holder's lease has run out, and closes
  // the dead run as timed out on the way.
  ASSERT_TRUE(eventually([&] {
    return count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep' AND replica = '" + other +
                 "' AND id > " + run_id + " AND (outcome IS NULL OR outcome <> 'skipped')") >= 1;
  }));
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep' AND id > " + run_id +
            " AND (outcome IS NULL OR outcome <> 'skipped') AND started_at < '" + until + "'"),
      0);
  EXPECT_EQ(text("SELECT outcome FROM job_runs WHERE id = " + run_id), "timed_out");
  EXPECT_EQ(text("SELECT LEFT(error, 40) FROM job_runs WHERE id = " + run_id),
            "The lease expired before the run was rec");
}

TEST_F(Jobs, SlotsMissedWhileEveryReplicaWasDownRunOnce) {
  // As if every replica had been down for five hourly slots: the job runs once, and the next
  // slot is counted from that run.
  const auto conn = api_.db().connect();
  conn->execute(
      "UPDATE job_locks SET next_due_at = UTC_TIMESTAMP(6) - INTERVAL 5 HOUR "
      "WHERE name = 'reconcile-payments'");
  ASSERT_TRUE(eventually([&] {
    return count(
               "SELECT COUNT(*) FROM job_runs WHERE job = 'reconcile-payments' "
               "AND outcome = 'succeeded'") == 1;
  }));
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_locks WHERE name = 'reconcile-payments' "
                  "AND next_due_at > UTC_TIMESTAMP(6) + INTERVAL 3500 SECOND"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_runs WHERE job = 'reconcile-payments'"), 1);
}

TEST_F(Jobs, PurgeDeletesWhatHasExpiredAndKeepsTheRest) {
  const auto conn = api_.db().connect();
  api_.customer_tokens("siti@example.id");  // one live refresh token
  conn->execute(
      "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) SELECT id, "
      "REPEAT('f', 32), REPEAT('e', 64), UTC_TIMESTAMP(6) - INTERVAL 1 DAY FROM users LIMIT 1");
  conn->execute(
      "INSERT INTO job_runs (job, replica, run_trigger, started_at, finished_at, "
      "outcome) VALUES ('sleep', 'x', 'schedule', UTC_TIMESTAMP(6) - INTERVAL 40 DAY, "
      "UTC_TIMESTAMP(6) - INTERVAL 40 DAY, 'succeeded'), ('sleep', 'x', 'schedule', "
      "UTC_TIMESTAMP(6) - INTERVAL 1 DAY, UTC_TIMESTAMP(6) - INTERVAL 1 DAY, 'succeeded')");
  const auto live = count("SELECT COUNT(*) FROM refresh_tokens");
  const auto run = api_.run_job("purge", admin_);
  ASSERT_EQ(run["outcome"], "succeeded") << run.dump();
  EXPECT_EQ(run["detail"]["refresh_tokens"], 1);
  EXPECT_EQ(run["detail"]["job_runs"], 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens"), live - 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_runs WHERE job = 'sleep'"), 1);
}

}  // namespace
