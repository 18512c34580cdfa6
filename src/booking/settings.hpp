#pragma once

#include <chrono>
#include <string>

#include "core/env.hpp"

namespace tiket::booking {

struct Settings {
  std::chrono::minutes hold{15};             // how long an unpaid booking holds its seats
  std::chrono::seconds expiry_interval{30};  // how often overdue holds are expired
  std::string business_tz = "Asia/Jakarta";  // the day in booking codes
  // How long a stock reading may turn bookings away without a transaction (0 = no shortcut).
  std::chrono::milliseconds stock_estimate{1000};
  bool batched = false;  // BOOKING_WRITE_MODE=batched: group commit per concert
  std::size_t batch_max = 64;
  std::chrono::milliseconds batch_gather{0};
  std::size_t max_in_flight = 8;  // booking transactions at once (0 = no bound)
  std::size_t max_waiting = 256;  // in line for one; beyond that 503 with Retry-After
};

// BOOKING_HOLD_MINUTES, BOOKING_EXPIRY_INTERVAL_S, BOOKING_STOCK_ESTIMATE_MS, BOOKING_WRITE_MODE
// (single|batched), BOOKING_BATCH_MAX, BOOKING_BATCH_GATHER_MS, BOOKING_MAX_IN_FLIGHT,
// BOOKING_MAX_WAITING, BUSINESS_TZ (an IANA
// zone found under /usr/share/zoneinfo). Throws core::ConfigError naming the variable.
Settings read_settings(const core::EnvReader& env);

}  // namespace tiket::booking
