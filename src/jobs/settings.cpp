#include "jobs/settings.hpp"

#include <unistd.h>

#include <array>

#include "jobs/job.hpp"

namespace tiket::jobs {

namespace {
std::string default_replica() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host[0] = '\0';
  }
  return std::string(host.data()) + ":" + std::to_string(getpid());
}
}  // namespace

Settings read_settings(const core::EnvReader& env, core::AppEnv app_env) {
  Settings s;
  s.enabled = env.boolean("JOBS_ENABLED", s.enabled);
  s.replica = env.text("JOBS_REPLICA_ID", default_replica());
  if (s.replica.empty() || s.replica.size() > 100) {
    env.reject("JOBS_REPLICA_ID", "1..100 characters");
  }
  s.poll = std::chrono::milliseconds(
      env.number<long>("JOBS_POLL_INTERVAL_MS", s.poll.count(), 50, 3'600'000));
  if (const auto at = env.value("JOBS_PURGE_AT")) {
    const auto minute = parse_time_of_day(*at);
    if (!minute) {
      env.reject("JOBS_PURGE_AT", "HH:MM, 00:00..23:59");
    }
    s.purge_minute_of_day = *minute;
  }
  s.keep_runs_days = env.number<unsigned>("JOBS_KEEP_RUNS_DAYS", s.keep_runs_days, 1, 3650);
  s.test_sleep = std::chrono::milliseconds(env.number<long>("JOBS_TEST_SLEEP_MS", 0, 0, 3'600'000));
  if (s.test_sleep.count() > 0 && app_env != core::AppEnv::test) {
    env.reject("JOBS_TEST_SLEEP_MS", "unset outside APP_ENV=test");
  }
  s.test_sleep_interval = std::chrono::seconds(
      env.number<long>("JOBS_TEST_SLEEP_INTERVAL_S", s.test_sleep_interval.count(), 1, 3600));
  s.test_sleep_timeout = std::chrono::seconds(
      env.number<long>("JOBS_TEST_SLEEP_TIMEOUT_S", s.test_sleep_timeout.count(), 1, 3600));
  return s;
}

}  // namespace tiket::jobs
