// The monthly-sales report three ways (ADR 0015, exercises/monthly-total-1m), in process
// against the real database, through the repository the endpoint uses:
//   naive    GROUP BY DATE_FORMAT over created_at (in the business zone), bookings ⋈ items
//   indexed  the same answer over business_day, through ix_bookings_sales
//   rollup   sales_daily, kept by the rollup-sales job (what GET /api/reports/monthly-sales reads)
// One caller thread, so the figures are latencies per report.
//
// Usage (scripts/bench.sh reports runs all three forms):
//   tiket-bench-reports --check              each variant once over each span; prints the
//                                            months and exits 1 unless all three return
//                                            exactly the same rows
//   tiket-bench-reports --variant NAME       one variant once over the whole range (the bench
//                                            captures its SQL)
//   tiket-bench-reports [benchmark flags]    Google Benchmark: Monthly/<variant>/whole and
//                                            Monthly/<variant>/30days (the last 30 days of the
//                                            range, the endpoint's default)
// Environment:
//   DATABASE_URL         the database (loaded by tiket-api seed-load, rolled up once)
//   REPORT_FROM, REPORT_TO  the business-day range, YYYY-MM-DD (both ends included)
//   BUSINESS_TZ          as for tiket-api (default Asia/Jakarta)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <mysql_driver.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/database_url.hpp"
#include "db/pool.hpp"
#include "reporting/report.hpp"
#include "reporting/repository.hpp"

namespace {

using tiket::reporting::MonthlySales;
using tiket::reporting::MonthlyVariant;

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before threads
  if (value == nullptr || *value == '\0') {
    if (fallback == nullptr) {
      throw std::runtime_error(std::string(name) +
                               " is not set (scripts/bench.sh reports sets it)");
    }
    return fallback;
  }
  return value;
}

// The whole range (REPORT_FROM .. REPORT_TO) or its last 30 days (the endpoint's default).
enum class Span { whole, last30 };

tiket::reporting::DayRange range(Span span) {
  const auto from = tiket::reporting::parse_day(env_or("REPORT_FROM", nullptr));
  const auto to = tiket::reporting::parse_day(env_or("REPORT_TO", nullptr));
  if (!from || !to) {
    throw std::runtime_error("REPORT_FROM and REPORT_TO must be days, YYYY-MM-DD");
  }
  if (span == Span::last30) {
    return {std::chrono::year_month_day(std::chrono::sys_days(*to) - std::chrono::days(29)), *to};
  }
  return {*from, *to};
}

tiket::db::Pool& pool() {
  static tiket::db::Pool instance = [] {
    tiket::db::PoolOptions options;
    options.url = tiket::core::parse_database_url(env_or("DATABASE_URL", nullptr));
    options.size = 1;
    options.read_timeout = std::chrono::seconds(600);  // the naive query at 1M rows takes seconds
    return tiket::db::Pool(*sql::mysql::get_mysql_driver_instance(), options);
  }();
  return instance;
}

std::vector<MonthlySales> monthly(MonthlyVariant variant, Span span) {
  static const tiket::reporting::ReportingRepository repository;
  static const auto whole = range(Span::whole);
  static const auto last30 = range(Span::last30);
  return tiket::db::with_connection(pool(), [&](tiket::db::Connection& conn) {
    return repository.monthly_sales(conn, span == Span::whole ? whole : last30, variant);
  });
}

constexpr std::array<MonthlyVariant, 3> kVariants = {MonthlyVariant::naive, MonthlyVariant::indexed,
                                                     MonthlyVariant::rollup};

void print_rows(const std::vector<MonthlySales>& rows) {
  fmt::print("{:<8} {:>10} {:>10} {:>18}\n", "month", "bookings", "tickets", "revenue");
  for (const auto& r : rows) {
    fmt::print("{:<8} {:>10} {:>10} {:>18}\n", r.month, r.bookings, r.tickets, r.revenue);
  }
}

// Each variant once over each span; 0 when all three return exactly the same rows.
int check() {
  int rc = 0;
  for (const auto span : {Span::whole, Span::last30}) {
    std::vector<std::vector<MonthlySales>> results;
    results.reserve(kVariants.size());
    for (const auto v : kVariants) {
      results.push_back(monthly(v, span));
    }
    const auto days = range(span);
    fmt::print("{} .. {}:\n", tiket::reporting::format_day(days.from),
               tiket::reporting::format_day(days.to));
    print_rows(results[0]);
    std::int64_t bookings = 0;
    for (const auto& r : results[0]) {
      bookings += r.bookings;
    }
    bool agree = true;
    for (std::size_t i = 1; i < results.size(); ++i) {
      if (results[i] != results[0]) {
        agree = false;
        fmt::print("DIFFERENT: {} and naive disagree\n", tiket::reporting::to_string(kVariants[i]));
        print_rows(results[i]);
      }
    }
    if (agree) {
      fmt::print("agree: naive, indexed and rollup return the same {} months ({} paid bookings)\n",
                 results[0].size(), bookings);
    } else {
      rc = 1;
    }
  }
  return rc;
}

void run_variant(benchmark::State& state, MonthlyVariant variant, Span span) {
  for (auto _ : state) {
    auto rows = monthly(variant, span);
    benchmark::DoNotOptimize(rows);
  }
}

// Monthly/<variant>/<span>, wall time per report.
void register_benchmarks() {
  for (const auto span : {Span::whole, Span::last30}) {
    for (const auto v : kVariants) {
      benchmark::RegisterBenchmark(
          fmt::format("Monthly/{}/{}", tiket::reporting::to_string(v),
                      span == Span::whole ? "whole" : "30days")
              .c_str(),
          [v, span](benchmark::State& state) { run_variant(state, v, span); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MinTime(1.0);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // The naive variant converts created_at into the business zone, as the service does.
    tiket::core::set_business_time_zone(env_or("BUSINESS_TZ", "Asia/Jakarta"));
    if (argc >= 2 && std::string_view(argv[1]) == "--check") {
      return check();
    }
    if (argc >= 3 && std::string_view(argv[1]) == "--variant") {
      for (const auto v : kVariants) {
        if (tiket::reporting::to_string(v) == argv[2]) {
          print_rows(monthly(v, Span::whole));
          return 0;
        }
      }
      fmt::print(stderr, "tiket-bench-reports: unknown variant '{}'\n", argv[2]);
      return 2;
    }
    register_benchmarks();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
      return 2;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const std::exception& e) {
    fmt::print(stderr, "tiket-bench-reports: {}\n", e.what());
    return 1;
  }
  return 0;
}
