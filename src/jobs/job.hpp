#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "core/timestamp.hpp"

namespace tiket::jobs {

// When a job is due: every `every` (counted from the start of the previous scheduled run), or
// once a day at `minute_of_day` in the business time zone (BUSINESS_TZ, the process's zone).
struct Schedule {
  enum class Kind { interval, daily };
  Kind kind = Kind::interval;
  std::chrono::seconds every{60};
  int minute_of_day = 0;  // daily: 0..1439

  static Schedule interval(std::chrono::seconds every);
  static Schedule daily(int hour, int minute);
};

// The first slot strictly after `now` (UTC). Daily slots are local midnight-relative times in
// the process's zone, so a day without 24 hours (DST) still gets one slot.
core::Timestamp next_slot_after(const Schedule& schedule, core::Timestamp now);

// "HH:MM" → minutes after midnight; nullopt unless 00:00..23:59.
std::optional<int> parse_time_of_day(std::string_view text);

// Shared between a running job and the scheduler that started it: the job polls it between
// batches and stops early when it turns true (its timeout has passed, or the replica shuts down).
class JobContext {
 public:
  explicit JobContext(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}

  bool stop_requested() const;
  // Waits up to `duration`; false when it was cut short by a stop or the deadline.
  bool sleep_for(std::chrono::milliseconds duration);
  // Called by the scheduler on shutdown.
  void request_stop();
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  std::chrono::steady_clock::time_point deadline_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

// What a run reports: rows it changed (job_runs.rows_affected), its own summary (detail, JSON),
// and complete=false when it stopped early because stop_requested() turned true.
struct JobResult {
  std::uint64_t rows = 0;
  nlohmann::json detail = nlohmann::json::object();
  bool complete = true;
};

using JobFunction = std::function<JobResult(JobContext&)>;

// A registered job. The function must have no effect outside the database that a second run
// would repeat wrongly: a lease that expires under a slow run can let another replica start.
struct Job {
  std::string name;  // [a-z0-9-], the path segment in /api/admin/jobs/{name}
  std::string description;
  Schedule schedule;
  std::chrono::seconds timeout{300};  // the lease; a run still going after it is timed_out
  JobFunction run;
};

}  // namespace tiket::jobs
