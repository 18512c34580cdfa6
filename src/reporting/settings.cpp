#include "reporting/settings.hpp"

#include <stdexcept>

namespace tiket::reporting {

Settings read_settings(const core::EnvReader& env) {
  Settings s;
  if (const auto url = env.value("REPORTS_DATABASE_URL")) {
    try {
      s.database = core::parse_database_url(*url);
    } catch (const std::invalid_argument&) {
      env.reject("REPORTS_DATABASE_URL", "mysql://user:password@host:port/database");
    }
  }
  s.pool_size = env.number<unsigned>("REPORTS_DB_POOL_SIZE", s.pool_size, 1, 512);
  s.rollup_interval = std::chrono::seconds(
      env.number<long>("REPORTS_ROLLUP_INTERVAL_S", s.rollup_interval.count(), 1, 86'400));
  s.rollup_overlap = std::chrono::seconds(
      env.number<long>("REPORTS_ROLLUP_OVERLAP_S", s.rollup_overlap.count(), 0, 86'400));
  s.flush_interval = std::chrono::seconds(
      env.number<long>("REQUEST_COUNTS_FLUSH_INTERVAL_S", s.flush_interval.count(), 1, 3600));
  return s;
}

}  // namespace tiket::reporting
