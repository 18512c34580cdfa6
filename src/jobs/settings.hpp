#pragma once

#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/env.hpp"

namespace tiket::jobs {

struct Settings {
  bool enabled = true;                   // JOBS_ENABLED: this replica runs scheduled jobs
  std::string replica;                   // JOBS_REPLICA_ID: default <hostname>:<pid>
  std::chrono::milliseconds poll{5000};  // JOBS_POLL_INTERVAL_MS: how often due jobs are looked for
  int purge_minute_of_day = 3 * 60 + 30;  // JOBS_PURGE_AT: HH:MM in BUSINESS_TZ
  unsigned keep_runs_days = 30;           // JOBS_KEEP_RUNS_DAYS: job_runs older than this go
  // APP_ENV=test only (a ConfigError otherwise): registers the `sleep` job, which waits this
  // long (or until stopped), every JOBS_TEST_SLEEP_INTERVAL_S, with JOBS_TEST_SLEEP_TIMEOUT_S.
  std::chrono::milliseconds test_sleep{0};  // JOBS_TEST_SLEEP_MS; 0: no sleep job
  std::chrono::seconds test_sleep_interval{1};
  std::chrono::seconds test_sleep_timeout{5};
};

Settings read_settings(const core::EnvReader& env, core::AppEnv app_env);

}  // namespace tiket::jobs
