#pragma once

#include <chrono>
#include <optional>

#include "core/database_url.hpp"
#include "core/env.hpp"

namespace tiket::reporting {

struct Settings {
  // REPORTS_DATABASE_URL: where the reports read (a replica); unset: the primary's pool.
  std::optional<core::DatabaseUrl> database;
  unsigned pool_size = 4;  // REPORTS_DB_POOL_SIZE, when REPORTS_DATABASE_URL is set
  // REPORTS_ROLLUP_INTERVAL_S: how often rollup-sales runs (how stale monthly-sales may be).
  std::chrono::seconds rollup_interval{300};
  // REPORTS_ROLLUP_OVERLAP_S: how far before its watermark rollup-sales looks again, for
  // transactions that committed after a run read past them. Longer than any transaction.
  std::chrono::seconds rollup_overlap{600};
  // REQUEST_COUNTS_FLUSH_INTERVAL_S: how often each replica writes its request counts; what a
  // crashed replica loses at most.
  std::chrono::seconds flush_interval{10};
};

// Throws core::ConfigError naming the variable.
Settings read_settings(const core::EnvReader& env);

}  // namespace tiket::reporting
