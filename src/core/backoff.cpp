#include "core/backoff.hpp"

#include <sodium.h>

#include <algorithm>

namespace tiket::core {

std::chrono::milliseconds backoff_delay(unsigned attempt, const BackoffPolicy& policy,
                                        std::uint64_t random) {
  const auto base = static_cast<std::uint64_t>(std::max<long>(policy.base.count(), 1));
  const auto cap = static_cast<std::uint64_t>(std::max<long>(policy.cap.count(), 1));
  // Stop doubling before the shift could overflow.
  const unsigned shift = std::min(attempt, 30U);
  const std::uint64_t ceiling = std::min(cap, base << shift);
  const std::uint64_t floor = ceiling / 2;
  const std::uint64_t span = ceiling - floor + 1;
  return std::chrono::milliseconds(static_cast<long>(floor + random % span));
}

std::uint64_t fast_random() {
  // splitmix64, seeded once per thread from the OS; good enough for jitter and ids,
  // never used for secrets (those use randombytes_buf).
  thread_local std::uint64_t state = [] {
    std::uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    return seed;
  }();
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

int busy_retry_after() {
  return static_cast<int>(1 + (fast_random() % 3));
}

}  // namespace tiket::core
