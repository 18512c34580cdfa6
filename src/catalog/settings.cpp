#include "catalog/settings.hpp"

namespace tiket::catalog {

Settings read_settings(const core::EnvReader& env) {
  Settings s;
  s.cache_ttl = std::chrono::milliseconds(
      env.number<long>("CATALOG_CACHE_TTL_MS", s.cache_ttl.count(), 0, 3'600'000));
  return s;
}

}  // namespace tiket::catalog
