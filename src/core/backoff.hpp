#pragma once

#include <chrono>
#include <cstdint>

namespace tiket::core {

struct BackoffPolicy {
  std::chrono::milliseconds base{10};
  std::chrono::milliseconds cap{500};
};

// "Equal jitter": the ceiling doubles with each attempt up to the cap, and the delay is drawn
// from [ceiling/2, ceiling], so retries spread out but never collapse to zero.
// `random` is any uniformly distributed 64-bit value; passing it in keeps this pure.
std::chrono::milliseconds backoff_delay(unsigned attempt, const BackoffPolicy& policy,
                                        std::uint64_t random);

// A thread-local, non-cryptographic random source for jitter and request ids.
std::uint64_t fast_random();

// Retry-After (seconds) for a 503 that turns a burst away: 1, 2 or 3 at random, so that the
// clients turned away together do not all come back in the same second (ADR 0018).
int busy_retry_after();

}  // namespace tiket::core
