#include "jobs/scheduler.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/cursor.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "db/transaction.hpp"

namespace tiket::jobs {

namespace {

constexpr char kCursorTag = 'j';
constexpr std::size_t kMaxError = 1000;

// RFC 3339 with microseconds, as every job time is returned.
constexpr const char* kIso = "'%Y-%m-%dT%H:%i:%s.%fZ'";

const std::string kRunColumns =
    std::string("id, job, replica, run_trigger, admin_id, DATE_FORMAT(due_at, ") + kIso +
    ") AS due_at, DATE_FORMAT(started_at, " + kIso + ") AS started_at, DATE_FORMAT(finished_at, " +
    kIso + ") AS finished_at, outcome, rows_affected, detail, error";

std::optional<std::string> nullable(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) {
    return std::nullopt;
  }
  return std::string(rs.getString(column));
}

Run read_run(sql::ResultSet& rs) {
  Run r;
  r.id = static_cast<std::int64_t>(rs.getInt64("id"));
  r.job = rs.getString("job");
  r.replica = rs.getString("replica");
  r.trigger = rs.getString("run_trigger");
  if (!rs.isNull("admin_id")) {
    r.admin_id = static_cast<std::int64_t>(rs.getInt64("admin_id"));
  }
  r.due_at = nullable(rs, "due_at");
  r.started_at = rs.getString("started_at");
  r.finished_at = nullable(rs, "finished_at");
  r.outcome = rs.isNull("outcome") ? "running" : std::string(rs.getString("outcome"));
  r.rows_affected = rs.getUInt64("rows_affected");
  if (const auto detail = nullable(rs, "detail")) {
    r.detail = nlohmann::json::parse(*detail, nullptr, false);
  }
  r.error = nullable(rs, "error");
  return r;
}

std::int64_t micros(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::microseconds>(s).count();
}

// The database's clock: every lease and slot is computed from it, never from this replica's.
core::Timestamp db_now(db::Connection& conn) {
  auto& stmt =
      conn.prepare("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f') AS now_utc");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  const auto now = core::parse_sql_datetime(std::string(rs->getString("now_utc")));
  if (!now) {
    throw std::runtime_error("the database returned an unreadable UTC_TIMESTAMP");
  }
  return *now;
}

// Runs left open by a replica that lost its lease (it died, or overran its timeout): only the
// current lease holder calls this, so any open run of the job is not running any more.
void close_abandoned(db::Connection& conn, const std::string& job) {
  auto& stmt = conn.prepare(
      "UPDATE job_runs SET finished_at = UTC_TIMESTAMP(6), outcome = 'timed_out', "
      "error = 'The lease expired before the run was recorded as finished (the replica stopped "
      "or overran its timeout).' WHERE job = ? AND finished_at IS NULL");
  stmt.setString(1, job);
  stmt.executeUpdate();
}

std::int64_t insert_run(db::Connection& conn, const std::string& job, const std::string& replica,
                        const char* trigger, std::optional<std::int64_t> admin_id,
                        const std::optional<std::string>& due_at) {
  auto& stmt = conn.prepare(
      "INSERT INTO job_runs (job, replica, run_trigger, admin_id, due_at, started_at) "
      "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))");
  stmt.setString(1, job);
  stmt.setString(2, replica);
  stmt.setString(3, trigger);
  if (admin_id) {
    stmt.setInt64(4, *admin_id);
  } else {
    stmt.setNull(4, 0);
  }
  if (due_at) {
    stmt.setString(5, *due_at);
  } else {
    stmt.setNull(5, 0);
  }
  stmt.executeUpdate();
  const auto id = conn.last_insert_id();
  auto& lock = conn.prepare("UPDATE job_locks SET run_id = ? WHERE name = ?");
  lock.setInt64(1, id);
  lock.setString(2, job);
  lock.executeUpdate();
  return id;
}

}  // namespace

Scheduler::Scheduler(db::Pool& pool, Settings settings, prometheus::Registry& registry)
    : pool_(pool),
      settings_(std::move(settings)),
      runs_total_(prometheus::BuildCounter()
                      .Name("tiket_job_runs_total")
                      .Help("Job runs started by this replica, by job and outcome")
                      .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("tiket_job_run_duration_seconds")
                    .Help("How long job runs took on this replica")
                    .Register(registry)),
      last_success_(prometheus::BuildGauge()
                        .Name("tiket_job_last_success_timestamp_seconds")
                        .Help("Unix time of the last successful run of each job on this replica")
                        .Register(registry)),
      interval_(prometheus::BuildGauge()
                    .Name("tiket_job_interval_seconds")
                    .Help("The time between two slots of each job (a day for daily jobs)")
                    .Register(registry)) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::add(Job job) {
  if (started_) {
    throw std::logic_error("jobs: add() after start()");
  }
  const bool valid = !job.name.empty() && job.name.size() <= 64 &&
                     std::all_of(job.name.begin(), job.name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                     });
  if (!valid || find(job.name) != nullptr) {
    throw std::logic_error("jobs: bad or duplicate job name '" + job.name + "'");
  }
  jobs_.push_back(std::move(job));
}

const Job* Scheduler::find(std::string_view name) const {
  for (const auto& job : jobs_) {
    if (job.name == name) {
      return &job;
    }
  }
  return nullptr;
}

void Scheduler::start() {
  started_ = true;
  for (const auto& job : jobs_) {
    const auto every =
        job.schedule.kind == Schedule::Kind::interval ? job.schedule.every : std::chrono::hours(24);
    interval_.Add({{"job_name", job.name}}).Set(static_cast<double>(every.count()));
  }
  ensure_registered();
  if (settings_.enabled) {
    poller_ = std::thread([this] { loop(); });
  }
}

bool Scheduler::ensure_registered() {
  if (registered_.load()) {
    return true;
  }
  try {
    register_rows();
  } catch (const std::exception& e) {
    core::log::warn("jobs: lease rows not created yet", {{"error", e.what()}});
    return false;
  }
  registered_.store(true);
  return true;
}

void Scheduler::register_rows() {
  db::transaction(pool_, [&](db::Connection& conn) {
    const auto now = db_now(conn);
    for (const auto& job : jobs_) {
      // A new job is first due one slot from now. A shortened schedule takes effect at once:
      // a slot later than the new schedule's first one is pulled in.
      auto& stmt = conn.prepare(
          "INSERT INTO job_locks (name, next_due_at) VALUES (?, ?) "
          "ON DUPLICATE KEY UPDATE next_due_at = LEAST(next_due_at, VALUES(next_due_at))");
      stmt.setString(1, job.name);
      stmt.setString(2, core::format_sql_datetime(next_slot_after(job.schedule, now)));
      stmt.executeUpdate();
    }
  });
}

void Scheduler::request_stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [name, run] : active_) {
      run.context->request_stop();
    }
  }
  wake_.notify_all();
}

void Scheduler::stop() {
  request_stop();
  std::map<std::string, Active> active;
  if (poller_.joinable()) {
    poller_.join();
  }
  // A manual run accepted just before the stop may add itself after a swap: loop until none.
  for (;;) {
    {
      const std::lock_guard lock(mutex_);
      active.clear();
      active.swap(active_);
    }
    if (active.empty()) {
      return;
    }
    for (auto& [name, run] : active) {
      if (run.thread.joinable()) {
        run.thread.join();
      }
    }
  }
}

void Scheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    if (ensure_registered()) {
      for (const auto& job : jobs_) {
        if (busy_here(job.name)) {
          continue;
        }
        try {
          poll(job);
        } catch (const std::exception& e) {
          // The database may be down; the next poll tries again.
          core::log::warn("job poll failed", {{"job", job.name}, {"error", e.what()}});
        }
      }
    }
    lock.lock();
    wake_.wait_for(lock, settings_.poll, [this] { return stopping_; });
  }
}

// True while this replica still has a thread for the job; a finished one is joined here.
bool Scheduler::busy_here(const std::string& name) {
  std::thread finished;
  {
    const std::lock_guard lock(mutex_);
    const auto it = active_.find(name);
    if (it == active_.end()) {
      return false;
    }
    if (!it->second.done->load()) {
      return true;
    }
    finished = std::move(it->second.thread);
    active_.erase(it);
  }
  if (finished.joinable()) {
    finished.join();
  }
  return false;
}

void Scheduler::poll(const Job& job) {
  // A plain read first: most polls find nothing due and write nothing.
  struct Due {
    bool due = false;
    std::string slot;
    core::Timestamp now{};
  };
  const auto due = db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "SELECT next_due_at <= UTC_TIMESTAMP(6) AS due, "
        "DATE_FORMAT(next_due_at, '%Y-%m-%d %H:%i:%s.%f') AS slot, "
        "DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f') AS now_utc "
        "FROM job_locks WHERE name = ?");
    stmt.setString(1, job.name);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    Due d;
    if (rs->next() && rs->getBoolean("due")) {
      d.due = true;
      d.slot = rs->getString("slot");
      d.now = core::parse_sql_datetime(std::string(rs->getString("now_utc"))).value();
    }
    return d;
  });
  if (!due.due) {
    return;
  }
  // One run for the slot however many slots were missed: the next one is counted from now.
  const auto next = core::format_sql_datetime(next_slot_after(job.schedule, due.now));
  const auto run_id = db::transaction(pool_, [&](db::Connection& conn) -> std::int64_t {
    auto& take = conn.prepare(
        "UPDATE job_locks SET locked_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, "
        "locked_by = ?, run_id = NULL, next_due_at = ? "
        "WHERE name = ? AND next_due_at <= UTC_TIMESTAMP(6) AND locked_until <= UTC_TIMESTAMP(6)");
    take.setInt64(1, micros(job.timeout));
    take.setString(2, settings_.replica);
    take.setString(3, next);
    take.setString(4, job.name);
    if (take.executeUpdate() == 1) {
      close_abandoned(conn, job.name);
      return insert_run(conn, job.name, settings_.replica, "schedule", std::nullopt, due.slot);
    }
    // Due, but the previous run still holds the lease: the slot is skipped, once.
    auto& skip = conn.prepare(
        "UPDATE job_locks SET next_due_at = ? "
        "WHERE name = ? AND next_due_at <= UTC_TIMESTAMP(6) AND locked_until > UTC_TIMESTAMP(6)");
    skip.setString(1, next);
    skip.setString(2, job.name);
    if (skip.executeUpdate() == 1) {
      auto& row = conn.prepare(
          "INSERT INTO job_runs (job, replica, run_trigger, due_at, started_at, finished_at, "
          "outcome, error) VALUES (?, ?, 'schedule', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
          "'skipped', 'The previous run still held the lease.')");
      row.setString(1, job.name);
      row.setString(2, settings_.replica);
      row.setString(3, due.slot);
      row.executeUpdate();
      record_metrics(job.name, "skipped", 0);
    }
    return 0;
  });
  if (run_id != 0) {
    launch(job, run_id);
  }
}

std::int64_t Scheduler::run_now(std::string_view name, std::int64_t admin_id) {
  const Job* job = find(name);
  if (job == nullptr) {
    throw core::AppError::not_found("There is no job with that name.");
  }
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      throw core::AppError::unavailable("The server is shutting down.", 1);
    }
  }
  if (!ensure_registered()) {
    throw core::AppError::unavailable("The database is not ready.", 5);
  }
  const auto run_id = db::transaction(pool_, [&](db::Connection& conn) {
    auto& take = conn.prepare(
        "UPDATE job_locks SET locked_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, "
        "locked_by = ?, run_id = NULL WHERE name = ? AND locked_until <= UTC_TIMESTAMP(6)");
    take.setInt64(1, micros(job->timeout));
    take.setString(2, settings_.replica);
    take.setString(3, job->name);
    if (take.executeUpdate() != 1) {
      throw core::AppError::conflict("The job is running; try again when it has finished.");
    }
    close_abandoned(conn, job->name);
    return insert_run(conn, job->name, settings_.replica, "manual", admin_id, std::nullopt);
  });
  launch(*job, run_id);
  return run_id;
}

void Scheduler::launch(const Job& job, std::int64_t run_id) {
  auto context = std::make_shared<JobContext>(std::chrono::steady_clock::now() + job.timeout);
  auto done = std::make_shared<std::atomic<bool>>(false);
  // This replica's previous run of the job has released the lease (or it could not have been
  // taken again) and is only logging: wait for its thread.
  std::thread previous;
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = active_.find(job.name); it != active_.end()) {
      previous = std::move(it->second.thread);
      active_.erase(it);
    }
  }
  if (previous.joinable()) {
    previous.join();
  }
  const std::lock_guard lock(mutex_);
  if (stopping_) {
    context->request_stop();
  }
  Active active{context, {}, done};
  active.thread = std::thread([this, &job, run_id, context, done] {
    execute(job, run_id, *context);
    done->store(true);
  });
  active_[job.name] = std::move(active);
}

void Scheduler::execute(const Job& job, std::int64_t run_id, JobContext& context) {
  core::log::info("job started", {{"job", job.name}, {"run_id", run_id}});
  const auto started = std::chrono::steady_clock::now();
  JobResult result;
  std::string outcome = "succeeded";
  std::string error;
  try {
    result = job.run(context);
    if (std::chrono::steady_clock::now() >= context.deadline()) {
      outcome = "timed_out";
      error = "The run did not finish within its timeout.";
    } else if (!result.complete) {
      outcome = "failed";
      error = "Interrupted: the replica shut down.";
    }
  } catch (const std::exception& e) {
    outcome = "failed";
    error = e.what();
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  if (error.size() > kMaxError) {
    error.resize(kMaxError);
  }
  finish(job, run_id, outcome, result, error, seconds.count());
}

void Scheduler::finish(const Job& job, std::int64_t run_id, const std::string& outcome,
                       const JobResult& result, const std::string& error, double seconds) {
  for (unsigned attempt = 0;; ++attempt) {
    try {
      db::transaction(pool_, [&](db::Connection& conn) {
        auto& run = conn.prepare(
            "UPDATE job_runs SET finished_at = UTC_TIMESTAMP(6), outcome = ?, rows_affected = ?, "
            "detail = ?, error = ? WHERE id = ? AND finished_at IS NULL");
        run.setString(1, outcome);
        run.setUInt64(2, result.rows);
        run.setString(3, result.detail.dump());
        if (error.empty()) {
          run.setNull(4, 0);
        } else {
          run.setString(4, error);
        }
        run.setInt64(5, run_id);
        run.executeUpdate();
        // Released only if it is still this run's lease.
        auto& lock = conn.prepare(
            "UPDATE job_locks SET locked_until = UTC_TIMESTAMP(6), locked_by = NULL, "
            "run_id = NULL WHERE name = ? AND run_id = ?");
        lock.setString(1, job.name);
        lock.setInt64(2, run_id);
        lock.executeUpdate();
      });
      break;
    } catch (const std::exception& e) {
      // The lease then runs out by itself, and the next holder closes the run as timed_out.
      if (attempt >= 2) {
        core::log::error("job run not recorded",
                         {{"job", job.name}, {"run_id", run_id}, {"error", e.what()}});
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200) * (attempt + 1));
    }
  }
  record_metrics(job.name, outcome, seconds);
  nlohmann::json fields = {{"job", job.name},
                           {"run_id", run_id},
                           {"outcome", outcome},
                           {"rows", result.rows},
                           {"seconds", seconds}};
  if (outcome == "succeeded") {
    core::log::info("job finished", fields);
  } else {
    fields["error"] = error;
    core::log::warn("job finished", fields);
  }
}

void Scheduler::record_metrics(const std::string& job, const std::string& outcome, double seconds) {
  runs_total_.Add({{"job_name", job}, {"outcome", outcome}}).Increment();
  if (outcome == "skipped") {
    return;
  }
  static const prometheus::Histogram::BucketBoundaries buckets{0.01, 0.1, 0.5, 1,   5,
                                                               15,   60,  300, 900, 3600};
  duration_.Add({{"job_name", job}}, buckets).Observe(seconds);
  if (outcome == "succeeded") {
    last_success_.Add({{"job_name", job}})
        .Set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                 .count());
  }
}

std::vector<JobStatus> Scheduler::status() {
  ensure_registered();
  return db::with_connection(pool_, [&](db::Connection& conn) {
    std::vector<JobStatus> out;
    for (const auto& job : jobs_) {
      JobStatus s;
      s.job = &job;
      auto& lock =
          conn.prepare(std::string("SELECT locked_until > UTC_TIMESTAMP(6) AS running, locked_by, "
                                   "DATE_FORMAT(next_due_at, ") +
                       kIso + ") AS next_due_at FROM job_locks WHERE name = ?");
      lock.setString(1, job.name);
      {
        const std::unique_ptr<sql::ResultSet> rs(lock.executeQuery());
        if (rs->next()) {
          s.running = rs->getBoolean("running");
          if (s.running) {
            s.locked_by = nullable(*rs, "locked_by");
          }
          s.next_due_at = rs->getString("next_due_at");
        }
      }
      auto& last = conn.prepare("SELECT " + kRunColumns +
                                " FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1");
      last.setString(1, job.name);
      const std::unique_ptr<sql::ResultSet> rs(last.executeQuery());
      if (rs->next()) {
        s.last_run = read_run(*rs);
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

RunPage Scheduler::runs(std::string_view name, const std::optional<std::string>& cursor,
                        unsigned limit) {
  const Job* job = find(name);
  if (job == nullptr) {
    throw core::AppError::not_found("There is no job with that name.");
  }
  const std::int64_t before = cursor ? core::decode_id_cursor(kCursorTag, *cursor)
                                     : std::numeric_limits<std::int64_t>::max();
  RunPage page;
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare("SELECT " + kRunColumns +
                              " FROM job_runs WHERE job = ? AND id < ? ORDER BY id DESC LIMIT ?");
    stmt.setString(1, job->name);
    stmt.setInt64(2, before);
    stmt.setUInt(3, limit + 1);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      page.items.push_back(read_run(*rs));
    }
  });
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_cursor = core::encode_id_cursor(kCursorTag, page.items.back().id);
  }
  return page;
}

std::uint64_t Scheduler::purge_runs() {
  std::uint64_t total = 0;
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "DELETE FROM job_runs WHERE started_at < UTC_TIMESTAMP(6) - INTERVAL ? DAY "
        "AND finished_at IS NOT NULL LIMIT 1000");
    for (;;) {
      stmt.setUInt(1, settings_.keep_runs_days);
      const auto n = static_cast<std::uint64_t>(stmt.executeUpdate());
      total += n;
      if (n < 1000) {
        break;
      }
    }
  });
  return total;
}

}  // namespace tiket::jobs
