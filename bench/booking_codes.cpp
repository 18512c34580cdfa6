// tiket-bench-codes: how fast can concurrent bookings take a gapless per-day running number?
//
// Runs booking-like transactions (stock update, take a number, insert the booking, commit or
// roll back) with several ways of taking the number, and reports committed transactions/s,
// latency, and the gaps and duplicates left among the committed numbers. ADR 0007 quotes it.
//
// Environment:
//   DATABASE_URL  mysql://user:pass@host:port/db (required). The scratch tables bench_codes_*
//                 are created in that database and dropped at the end.
//   THREADS       concurrent connections, each running transactions back to back (default 16)
//   SECONDS       run time per strategy and round (default 5)
//   ROUNDS        rounds (default 1). Each round runs every strategy, starting one further on;
//                 the table shows the median committed/s. More rounds, less noise from the
//                 other tenants of a shared machine.
//   ROLLBACK_PCT  share of transactions rolled back after taking their number (default 10)
//   READS_BEFORE  plain primary-key reads before the stock update (default 0), standing in for
//                 the reads create_once makes before it takes the number (Idempotency-Key,
//                 concert, ticket types, per-user limit: about 6; its user-row lock is left out)
//
// Exit status: 0 done; 1 a gapless strategy left gaps or any strategy left duplicates; 2 usage
// error; 3 setup failure (database unreachable, DDL refused).

#include <cppconn/datatype.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <fmt/core.h>
#include <mysql_driver.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/database_url.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace db = tiket::db;
namespace core = tiket::core;

constexpr unsigned kStockRows = 8;
constexpr std::int64_t kInitialStock = 1'000'000'000;  // never runs out during a run

// ---------------------------------------------------------------------------------- settings

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Settings {
  core::DatabaseUrl url;
  unsigned threads = 16;
  unsigned seconds = 5;
  unsigned rounds = 1;
  unsigned rollback_pct = 10;
  unsigned reads_before = 0;
};

unsigned env_unsigned(const char* name, unsigned fallback, unsigned min, unsigned max) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || *raw == '\0') {
    return fallback;
  }
  const std::string_view text(raw);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw UsageError(
        fmt::format("{} must be a whole number in {}..{}, got '{}'", name, min, max, text));
  }
  return value;
}

Settings read_settings() {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    throw UsageError("DATABASE_URL is not set (mysql://user:pass@host:port/db)");
  }
  Settings s;
  try {
    s.url = core::parse_database_url(url);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("DATABASE_URL: {}", e.what()));
  }
  s.threads = env_unsigned("THREADS", s.threads, 1, 256);
  s.seconds = env_unsigned("SECONDS", s.seconds, 1, 600);
  s.rounds = env_unsigned("ROUNDS", s.rounds, 1, 20);
  s.rollback_pct = env_unsigned("ROLLBACK_PCT", s.rollback_pct, 0, 100);
  s.reads_before = env_unsigned("READS_BEFORE", s.reads_before, 0, 100);
  return s;
}

// The business day in Asia/Jakarta (UTC+7 all year, no DST). The service takes it from
// BUSINESS_TZ; here the value only has to look like one.
std::string business_day_today() {
  const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 7h);
  const std::chrono::year_month_day ymd{local};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// ---------------------------------------------------------------------------------- strategies

enum class Strategy { counter_late, counter_early, counter_select, sequence, auto_increment };

struct StrategyInfo {
  Strategy id;
  std::string_view name;
  std::string_view table;   // this strategy's bookings table
  std::string_view column;  // where its number ends up
  bool gapless;             // designed to leave no gaps (so gaps are a failure)
};

constexpr std::array kStrategies{
    StrategyInfo{Strategy::counter_late, "counter-late", "bench_codes_bookings_counter_late",
                 "day_number", true},
    StrategyInfo{Strategy::counter_early, "counter-early", "bench_codes_bookings_counter_early",
                 "day_number", true},
    StrategyInfo{Strategy::counter_select, "counter-select", "bench_codes_bookings_counter_select",
                 "day_number", true},
    StrategyInfo{Strategy::sequence, "sequence", "bench_codes_bookings_sequence", "day_number",
                 false},
    StrategyInfo{Strategy::auto_increment, "auto-increment", "bench_codes_bookings_auto_increment",
                 "id", false},
};

// The counter row, as src/booking/repository.cpp next_day_number takes it: LAST_INSERT_ID(expr)
// hands the new value to this connection; the first booking of the day inserts the row.
// `taken` is set when the statement that takes the number (and for a counter, locks its row)
// has returned.
std::uint32_t counter_last_insert_id(db::Connection& conn, const std::string& day,
                                     Clock::time_point& taken) {
  auto& stmt = conn.prepare(
      "INSERT INTO bench_codes_counters (business_day, last_number) "
      "VALUES (?, LAST_INSERT_ID(1)) "
      "ON DUPLICATE KEY UPDATE last_number = LAST_INSERT_ID(last_number + 1)");
  stmt.setString(1, day);
  stmt.executeUpdate();
  taken = Clock::now();
  return static_cast<std::uint32_t>(conn.last_insert_id());
}

// The counter row by UPDATE, then a read of the row (our own change is visible to us, and the
// row lock keeps everyone else's out until we commit).
std::uint32_t counter_update_select(db::Connection& conn, const std::string& day,
                                    Clock::time_point& taken) {
  auto& update = conn.prepare(
      "UPDATE bench_codes_counters SET last_number = last_number + 1 WHERE business_day = ?");
  update.setString(1, day);
  if (update.executeUpdate() == 0) {
    // First booking of the day. Two first bookings racing here: the loser's insert waits on
    // the winner's key lock and then updates instead.
    auto& insert = conn.prepare(
        "INSERT INTO bench_codes_counters (business_day, last_number) VALUES (?, 1) "
        "ON DUPLICATE KEY UPDATE last_number = last_number + 1");
    insert.setString(1, day);
    insert.executeUpdate();
  }
  taken = Clock::now();
  auto& select =
      conn.prepare("SELECT last_number FROM bench_codes_counters WHERE business_day = ?");
  select.setString(1, day);
  const std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
  rs->next();
  return static_cast<std::uint32_t>(rs->getUInt64(1));
}

std::uint32_t sequence_next(db::Connection& conn, Clock::time_point& taken) {
  auto& stmt = conn.prepare("SELECT NEXTVAL(bench_codes_seq)");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  taken = Clock::now();
  rs->next();
  return static_cast<std::uint32_t>(rs->getUInt64(1));
}

// The checks before the stock update: reads that lock nothing.
void read_before(db::Connection& conn, unsigned stock_id, unsigned count) {
  auto& stmt = conn.prepare("SELECT available FROM bench_codes_stock WHERE id = ?");
  for (unsigned i = 0; i < count; ++i) {
    stmt.setUInt(1, (stock_id + i) % kStockRows + 1);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    rs->next();
  }
}

void take_stock(db::Connection& conn, unsigned stock_id) {
  auto& stmt = conn.prepare(
      "UPDATE bench_codes_stock SET available = available - 1 WHERE id = ? AND available > 0");
  stmt.setUInt(1, stock_id);
  if (stmt.executeUpdate() != 1) {
    throw std::runtime_error("bench_codes_stock ran out");
  }
}

void insert_booking(db::Connection& conn, const StrategyInfo& s, const std::string& day,
                    std::optional<std::uint32_t> number, unsigned stock_id) {
  // The SQL text is the cache key of the prepared statement, so one per table.
  auto& stmt = conn.prepare(
      fmt::format("INSERT INTO {} (business_day, day_number, stock_id) VALUES (?, ?, ?)", s.table));
  stmt.setString(1, day);
  if (number) {
    stmt.setUInt(2, *number);
  } else {
    stmt.setNull(2, sql::DataType::INTEGER);
  }
  stmt.setUInt(3, stock_id);
  stmt.executeUpdate();
}

// One booking-like transaction's statements, in the order the strategy takes them. Returns
// when the number was taken (see counter_last_insert_id).
Clock::time_point booking_work(db::Connection& conn, const StrategyInfo& s, const std::string& day,
                               unsigned stock_id, unsigned reads) {
  Clock::time_point taken;
  if (s.id != Strategy::counter_early) {
    read_before(conn, stock_id, reads);
  }
  switch (s.id) {
    case Strategy::counter_late: {
      take_stock(conn, stock_id);
      const auto n = counter_last_insert_id(conn, day, taken);
      insert_booking(conn, s, day, n, stock_id);
      break;
    }
    case Strategy::counter_early: {
      const auto n = counter_last_insert_id(conn, day, taken);
      read_before(conn, stock_id, reads);
      take_stock(conn, stock_id);
      insert_booking(conn, s, day, n, stock_id);
      break;
    }
    case Strategy::counter_select: {
      take_stock(conn, stock_id);
      const auto n = counter_update_select(conn, day, taken);
      insert_booking(conn, s, day, n, stock_id);
      break;
    }
    case Strategy::sequence: {
      take_stock(conn, stock_id);
      const auto n = sequence_next(conn, taken);
      insert_booking(conn, s, day, n, stock_id);
      break;
    }
    case Strategy::auto_increment: {
      take_stock(conn, stock_id);
      insert_booking(conn, s, day, std::nullopt, stock_id);
      taken = Clock::now();
      // The service would need the id to build the code, as it needs the counter's value.
      static_cast<void>(conn.last_insert_id());
      break;
    }
  }
  return taken;
}

// ---------------------------------------------------------------------------------- schema

void create_common_tables(db::Connection& conn) {
  conn.execute("DROP TABLE IF EXISTS bench_codes_stock, bench_codes_counters");
  conn.execute(
      "CREATE TABLE bench_codes_stock ("
      " id INT UNSIGNED NOT NULL PRIMARY KEY,"
      " available BIGINT NOT NULL"
      ") ENGINE=InnoDB");
  auto& insert = conn.prepare("INSERT INTO bench_codes_stock (id, available) VALUES (?, ?)");
  for (unsigned id = 1; id <= kStockRows; ++id) {
    insert.setUInt(1, id);
    insert.setInt64(2, kInitialStock);
    insert.executeUpdate();
  }
  // As booking_code_counters in sql/migrations/0003_catalog_and_bookings.sql.
  conn.execute(
      "CREATE TABLE bench_codes_counters ("
      " business_day DATE NOT NULL PRIMARY KEY,"
      " last_number INT UNSIGNED NOT NULL"
      ") ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin");
}

// A fresh bookings table for `s` (and a fresh counter or sequence): every strategy starts from
// its first booking of the day. The (day, number) key is not unique so that duplicates can be
// counted instead of failing the insert.
void reset_for(db::Connection& conn, const StrategyInfo& s) {
  conn.execute(fmt::format("DROP TABLE IF EXISTS {}", s.table));
  conn.execute(
      fmt::format("CREATE TABLE {} ("
                  " id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                  " business_day DATE NOT NULL,"
                  " day_number INT UNSIGNED NULL,"
                  " stock_id INT UNSIGNED NOT NULL,"
                  " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                  " KEY k_day_number (business_day, day_number)"
                  ") ENGINE=InnoDB",
                  s.table));
  conn.execute("DELETE FROM bench_codes_counters");
  if (s.id == Strategy::sequence) {
    conn.execute("DROP SEQUENCE IF EXISTS bench_codes_seq");
    conn.execute("CREATE SEQUENCE bench_codes_seq START WITH 1 INCREMENT BY 1");  // CACHE 1000
  }
}

void drop_table(db::Connection& conn, const StrategyInfo& s) {
  conn.execute(fmt::format("DROP TABLE IF EXISTS {}", s.table));
  if (s.id == Strategy::sequence) {
    conn.execute("DROP SEQUENCE IF EXISTS bench_codes_seq");
  }
}

// Drops every scratch table when the run ends, however it ends.
class ScratchTables {
 public:
  explicit ScratchTables(db::Pool& pool, bool sequences) : pool_(pool), sequences_(sequences) {}
  ~ScratchTables() {
    try {
      auto conn = pool_.connect();
      for (const auto& s : kStrategies) {
        if (s.id != Strategy::sequence || sequences_) {
          drop_table(*conn, s);
        }
      }
      conn->execute("DROP TABLE IF EXISTS bench_codes_stock, bench_codes_counters");
    } catch (const std::exception& e) {
      fmt::print(stderr, "tiket-bench-codes: could not drop the bench_codes_* tables: {}\n",
                 e.what());
    }
  }
  ScratchTables(const ScratchTables&) = delete;
  ScratchTables& operator=(const ScratchTables&) = delete;
  ScratchTables(ScratchTables&&) = delete;
  ScratchTables& operator=(ScratchTables&&) = delete;

 private:
  db::Pool& pool_;
  bool sequences_;
};

// ---------------------------------------------------------------------------------- running

// Thrown from inside the transaction to roll it back on purpose.
struct IntendedRollback {};

struct Tally {
  std::uint64_t committed = 0;
  std::uint64_t rolled_back = 0;
  std::uint64_t failed = 0;
  std::vector<Clock::duration> latencies;  // every finished transaction, committed or not
  std::vector<Clock::duration> holds;      // from taking the number to commit/rollback done
  std::string first_error;

  void merge(Tally&& other) {
    committed += other.committed;
    rolled_back += other.rolled_back;
    failed += other.failed;
    latencies.insert(latencies.end(), other.latencies.begin(), other.latencies.end());
    holds.insert(holds.end(), other.holds.begin(), other.holds.end());
    if (first_error.empty()) {
      first_error = std::move(other.first_error);
    }
  }
};

// One strategy over all rounds.
struct Result {
  const StrategyInfo* strategy = nullptr;
  std::string skipped;  // why it did not run; empty when it ran
  Tally tally;
  std::vector<double> rates;  // committed/s, one per round
  std::vector<double> loads;  // hold load (see print_table), one per round
  std::uint64_t retries = 0;
  std::uint64_t rows = 0;
  std::uint64_t gaps = 0;
  std::uint64_t duplicates = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const auto mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

double percentile_ms(std::vector<Clock::duration> v, double p) {
  if (v.empty()) {
    return 0;
  }
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  const auto index = std::clamp<std::size_t>(rank, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(index), v.end());
  return std::chrono::duration<double, std::milli>(v[index]).count();
}

Clock::duration sum(const std::vector<Clock::duration>& v) {
  Clock::duration total{};
  for (const auto d : v) {
    total += d;
  }
  return total;
}

double mean_ms(const std::vector<Clock::duration>& v) {
  return v.empty() ? 0
                   : std::chrono::duration<double, std::milli>(sum(v)).count() /
                         static_cast<double>(v.size());
}

Tally run_thread(db::Pool& pool, const StrategyInfo& s, const Settings& settings,
                 const std::string& day, unsigned seed, std::latch& start,
                 const std::atomic<Clock::time_point::rep>& deadline) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<unsigned> stock_pick(1, kStockRows);
  std::uniform_int_distribution<unsigned> percent(0, 99);
  Tally tally;
  tally.latencies.reserve(1U << 16U);
  tally.holds.reserve(1U << 16U);
  start.arrive_and_wait();
  const Clock::time_point end{Clock::duration{deadline.load()}};
  while (Clock::now() < end) {
    const unsigned stock_id = stock_pick(rng);
    const bool roll_back = percent(rng) < settings.rollback_pct;
    const auto t0 = Clock::now();
    Clock::time_point taken;
    try {
      // A deadlock or lock-wait timeout runs the whole transaction again (db::transaction).
      db::transaction(pool, [&](db::Connection& conn) {
        taken = booking_work(conn, s, day, stock_id, settings.reads_before);
        if (roll_back) {
          throw IntendedRollback{};
        }
      });
      ++tally.committed;
    } catch (const IntendedRollback&) {
      ++tally.rolled_back;
    } catch (const sql::SQLException& e) {
      ++tally.failed;
      if (tally.first_error.empty()) {
        tally.first_error = fmt::format("{} (error {})", e.what(), e.getErrorCode());
      }
      continue;                          // not a finished transaction: no latency sample
    } catch (const std::exception& e) {  // the pool's 503 (core::AppError) and the like
      ++tally.failed;
      if (tally.first_error.empty()) {
        tally.first_error = e.what();
      }
      continue;
    }
    const auto done = Clock::now();
    tally.latencies.push_back(done - t0);
    tally.holds.push_back(done - taken);
  }
  return tally;
}

struct NumberCheck {
  std::uint64_t rows = 0;
  std::uint64_t gaps = 0;
  std::uint64_t duplicates = 0;
};

// Committed numbers: how many are missing between the smallest and the largest, and how many
// were handed out twice.
NumberCheck check_numbers(db::Connection& conn, const StrategyInfo& s) {
  auto& stmt = conn.prepare(fmt::format(
      "SELECT COUNT(*), COUNT(DISTINCT {0}), COALESCE(MIN({0}), 0), COALESCE(MAX({0}), 0) "
      "FROM {1}",
      s.column, s.table));
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  const auto rows = rs->getUInt64(1);
  const auto distinct = rs->getUInt64(2);
  const auto lo = rs->getUInt64(3);
  const auto hi = rs->getUInt64(4);
  return {rows, rows == 0 ? 0 : (hi - lo + 1) - distinct, rows - distinct};
}

// One round of one strategy, from a fresh table, added to `r`; prints one line.
void run_round(db::Pool& pool, db::Connection& admin, const Settings& settings,
               const std::string& day, unsigned round, Result& r) {
  const auto& s = *r.strategy;
  reset_for(admin, s);

  auto& stats = db::transaction_stats();
  const auto retries_before = stats.deadlock_retries.load() + stats.lock_wait_retries.load();

  std::latch start(static_cast<std::ptrdiff_t>(settings.threads) + 1);
  std::atomic<Clock::time_point::rep> deadline{0};
  std::vector<Tally> tallies(settings.threads);
  std::random_device entropy;
  Clock::time_point began;
  {
    std::vector<std::jthread> workers;
    workers.reserve(settings.threads);
    for (unsigned i = 0; i < settings.threads; ++i) {
      workers.emplace_back([&, i, seed = entropy()] {
        tallies[i] = run_thread(pool, s, settings, day, seed, start, deadline);
      });
    }
    began = Clock::now();
    deadline.store((began + std::chrono::seconds(settings.seconds)).time_since_epoch().count());
    start.count_down();
  }  // joins
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();

  Tally tally;
  for (auto& t : tallies) {
    tally.merge(std::move(t));
  }
  const auto retries =
      stats.deadlock_retries.load() + stats.lock_wait_retries.load() - retries_before;
  const double rate = static_cast<double>(tally.committed) / seconds;
  const double load = std::chrono::duration<double>(sum(tally.holds)).count() / seconds;
  const auto check = check_numbers(admin, s);
  drop_table(admin, s);  // free the space before the next run; the numbers are counted

  fmt::print(
      "round {} {:<15} {:>6.0f} committed/s  p50 {:6.2f} ms  p99 {:7.2f} ms  hold {:5.2f} ms"
      "  load {:4.2f}  gaps {}  duplicates {}  (committed {}, rolled back {}, failed {}, "
      "retries {})\n",
      round, s.name, rate, percentile_ms(tally.latencies, 0.50),
      percentile_ms(tally.latencies, 0.99), mean_ms(tally.holds), load, check.gaps,
      check.duplicates, tally.committed, tally.rolled_back, tally.failed, retries);
  if (!tally.first_error.empty()) {
    fmt::print("{:<21} first failure: {}\n", "", tally.first_error);
  }
  if (check.rows != tally.committed) {
    fmt::print("{:<21} WARNING: {} rows in the table for {} commits\n", "", check.rows,
               tally.committed);
  }
  static_cast<void>(std::fflush(stdout));

  r.tally.merge(std::move(tally));
  r.rates.push_back(rate);
  r.loads.push_back(load);
  r.retries += retries;
  r.rows += check.rows;
  r.gaps += check.gaps;
  r.duplicates += check.duplicates;
}

// ---------------------------------------------------------------------------------- output

std::string scalar(db::Connection& conn, const std::string& sql) {
  auto& stmt = conn.prepare(sql);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return "?";
  }
  return rs->getString(1).asStdString();
}

void print_table(const std::vector<Result>& results, unsigned rounds) {
  const double base = median(results.front().rates);  // counter-late
  fmt::print(
      "\n| strategy | committed/s | vs counter-late | p50 ms | p99 ms | hold ms | hold load "
      "| gaps | duplicates | rolled back | retries | failed |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    if (!r.skipped.empty()) {
      fmt::print("| {} | skipped: {} | | | | | | | | | | |\n", r.strategy->name, r.skipped);
      continue;
    }
    const double rate = median(r.rates);
    fmt::print(
        "| {} | {:.0f} | {:.2f}x | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} | {} | {} | {} | {} |\n",
        r.strategy->name, rate, base > 0 ? rate / base : 0, percentile_ms(r.tally.latencies, 0.50),
        percentile_ms(r.tally.latencies, 0.99), mean_ms(r.tally.holds), median(r.loads), r.gaps,
        r.duplicates, r.tally.rolled_back, r.retries, r.tally.failed);
  }
  if (rounds > 1) {
    fmt::print(
        "\ncommitted/s and hold load: median of {} rounds; latencies over all rounds' "
        "transactions;\ngaps, duplicates and counts: summed over the rounds.\n",
        rounds);
  }
  fmt::print(
      "\np50/p99: a whole transaction, committed or rolled back, retries included.\n"
      "hold ms: mean time from the statement that takes the number to the end of commit or\n"
      "rollback, seen from the client; for counter-* the day's counter row is locked that long.\n"
      "hold load: the holds summed over wall time. Counter-* holds cannot overlap (but for the\n"
      "slack of timing them in the client), so near 1.00 means the counter row is the\n"
      "bottleneck and 1 / hold is the ceiling in transactions/s (committed + rolled back).\n"
      "gaps: numbers missing between the smallest and the largest committed one.\n");
  static_cast<void>(std::fflush(stdout));
}

int run(const Settings& settings) {
  // Not thread-safe; called before any thread exists.
  sql::Driver& driver = *sql::mysql::get_mysql_driver_instance();
  db::PoolOptions options;
  options.url = settings.url;
  options.size = settings.threads;
  options.wait = 30s;  // one connection per thread: waiting means something is wrong
  options.read_timeout = 120s;
  db::Pool pool(driver, options);

  const auto admin = pool.connect();
  const auto version = scalar(*admin, "SELECT VERSION()");
  const bool mariadb = version.find("MariaDB") != std::string::npos;
  // What a commit waits for: the redo log flush, and with the binary log on its sync too.
  const auto durability = scalar(*admin,
                                 "SELECT CONCAT('innodb_flush_log_at_trx_commit=', "
                                 "@@innodb_flush_log_at_trx_commit, ', log_bin=', @@log_bin, "
                                 "', sync_binlog=', @@sync_binlog)");
  const auto day = business_day_today();

  fmt::print("tiket-bench-codes: {}\n", settings.url.redacted());
  fmt::print("server {}, {}\n", version, durability);
  fmt::print(
      "{} threads, {} s per strategy and round, {} round(s), {}% rolled back, {} reads before "
      "the stock update, {} stock rows, business day {}\n\n",
      settings.threads, settings.seconds, settings.rounds, settings.rollback_pct,
      settings.reads_before, kStockRows, day);
  static_cast<void>(std::fflush(stdout));

  const ScratchTables scratch(pool, mariadb);
  create_common_tables(*admin);

  {
    // Open every connection before the clock starts.
    std::vector<db::Lease> warm;
    warm.reserve(settings.threads);
    for (unsigned i = 0; i < settings.threads; ++i) {
      warm.push_back(pool.acquire());
    }
  }

  std::vector<Result> results(kStrategies.size());
  for (std::size_t i = 0; i < kStrategies.size(); ++i) {
    results[i].strategy = &kStrategies.at(i);
    if (kStrategies.at(i).id == Strategy::sequence && !mariadb) {
      results[i].skipped = "sequences are MariaDB-only (10.3+); this server has none";
      fmt::print("sequence skipped: {}\n", results[i].skipped);
    }
  }
  // Each round starts one strategy further on, so that load from other tenants of the machine
  // (and warm-up) does not always hit the same strategy.
  for (unsigned round = 1; round <= settings.rounds; ++round) {
    for (std::size_t k = 0; k < results.size(); ++k) {
      auto& r = results[(k + round - 1) % results.size()];
      if (!r.skipped.empty()) {
        continue;
      }
      try {
        run_round(pool, *admin, settings, day, round, r);
      } catch (const sql::SQLException& e) {
        if (r.strategy->id != Strategy::sequence || !r.rates.empty()) {
          throw;
        }
        r.skipped = fmt::format("CREATE SEQUENCE failed: {}", e.what());
        fmt::print("sequence skipped: {}\n", r.skipped);
      }
    }
  }
  print_table(results, settings.rounds);

  const bool broken = std::any_of(results.begin(), results.end(), [](const Result& r) {
    return r.duplicates > 0 || (r.strategy->gapless && r.gaps > 0);
  });
  if (broken) {
    fmt::print(stderr,
               "tiket-bench-codes: a strategy meant to be gapless left gaps, or a "
               "strategy handed out a number twice\n");
    return 1;
  }
  return 0;
}

}  // namespace

int main() {
  try {
    return run(read_settings());
  } catch (const UsageError& e) {
    fmt::print(stderr, "tiket-bench-codes: {}\n", e.what());
    return 2;
  } catch (const sql::SQLException& e) {
    fmt::print(stderr, "tiket-bench-codes: database error {}: {}\n", e.getErrorCode(), e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tiket-bench-codes: {}\n", e.what());
    return 3;
  }
}
