#pragma once

#include <chrono>

#include "core/env.hpp"

namespace tiket::catalog {

struct Settings {
  // How long a public read is served from this replica's cache; 0 turns the cache off.
  std::chrono::milliseconds cache_ttl{2000};
};

// CATALOG_CACHE_TTL_MS (0..3'600'000). Throws core::ConfigError naming the variable.
Settings read_settings(const core::EnvReader& env);

}  // namespace tiket::catalog
