#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/pool.hpp"
#include "jobs/job.hpp"
#include "jobs/settings.hpp"

namespace tiket::jobs {

// One row of job_runs. outcome: running, succeeded, failed, timed_out, skipped.
struct Run {
  std::int64_t id = 0;
  std::string job;
  std::string replica;
  std::string trigger;  // schedule | manual
  std::optional<std::int64_t> admin_id;
  std::optional<std::string> due_at;  // RFC 3339, scheduled runs only
  std::string started_at;
  std::optional<std::string> finished_at;
  std::string outcome;
  std::uint64_t rows_affected = 0;
  nlohmann::json detail;  // null when the job reported nothing
  std::optional<std::string> error;
};

struct RunPage {
  std::vector<Run> items;
  std::optional<std::string> next_cursor;
};

struct JobStatus {
  const Job* job = nullptr;
  bool running = false;  // a lease is held (on any replica)
  std::optional<std::string> locked_by;
  std::string next_due_at;  // RFC 3339
  std::optional<Run> last_run;
};

// The registry of named jobs and the loop that runs them (ADR 0014). Every replica runs one;
// a lease row per job in job_locks, taken with a conditional UPDATE on the database's clock,
// lets exactly one of them run a due job, and every run is written to job_runs.
class Scheduler {
 public:
  Scheduler(db::Pool& pool, Settings settings, prometheus::Registry& registry);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  Scheduler(Scheduler&&) = delete;
  Scheduler& operator=(Scheduler&&) = delete;

  // Before start() only. Throws std::logic_error on a duplicate or malformed name.
  void add(Job job);
  // Creates the missing lease rows and, when JOBS_ENABLED, starts polling for due jobs. The
  // database may be down or not migrated yet (MIGRATE_ON_START=false): the rows are then
  // created by the first poll or request that finds it ready.
  void start();
  // Shutdown, first half: no new runs; running ones are asked to stop (they end at their next
  // check, or at their timeout). Does not wait.
  void request_stop();
  // Shutdown: request_stop(), then waits for the running jobs, which record their runs and
  // release their leases. Idempotent.
  void stop();

  const Job* find(std::string_view name) const;
  const std::vector<Job>& jobs() const { return jobs_; }

  // A manual run on this replica, now. Returns the job_runs id. 404 for an unknown name, 409
  // while the job's lease is held anywhere, 503 while shutting down.
  std::int64_t run_now(std::string_view name, std::int64_t admin_id);

  std::vector<JobStatus> status();
  // Newest first. 404 for an unknown name; 400 for a cursor that is not ours.
  RunPage runs(std::string_view name, const std::optional<std::string>& cursor, unsigned limit);

  // Deletes finished job_runs older than JOBS_KEEP_RUNS_DAYS (for the purge job).
  std::uint64_t purge_runs();

  const Settings& settings() const { return settings_; }

 private:
  struct Active {
    std::shared_ptr<JobContext> context;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void loop();
  // Creates the lease rows once; false (logged) while the database cannot.
  bool ensure_registered();
  void register_rows();
  void poll(const Job& job);
  void launch(const Job& job, std::int64_t run_id);
  void execute(const Job& job, std::int64_t run_id, JobContext& context);
  void finish(const Job& job, std::int64_t run_id, const std::string& outcome,
              const JobResult& result, const std::string& error, double seconds);
  bool busy_here(const std::string& name);
  void record_metrics(const std::string& job, const std::string& outcome, double seconds);

  db::Pool& pool_;
  Settings settings_;
  std::vector<Job> jobs_;
  bool started_ = false;
  std::atomic<bool> registered_{false};

  prometheus::Family<prometheus::Counter>& runs_total_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Gauge>& interval_;

  std::mutex mutex_;  // guards stopping_ and active_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Active> active_;
  std::thread poller_;
};

}  // namespace tiket::jobs
