#include "booking/settings.hpp"

#include "core/clock.hpp"

namespace tiket::booking {

Settings read_settings(const core::EnvReader& env) {
  Settings s;
  s.hold = std::chrono::minutes(env.number<long>("BOOKING_HOLD_MINUTES", s.hold.count(), 1, 1440));
  s.business_tz = env.text("BUSINESS_TZ", s.business_tz);
  if (!core::valid_time_zone(s.business_tz)) {
    throw core::ConfigError("BUSINESS_TZ: '" + s.business_tz +
                            "' is not an IANA time zone name found under /usr/share/zoneinfo");
  }
  s.expiry_interval = std::chrono::seconds(
      env.number<long>("BOOKING_EXPIRY_INTERVAL_S", s.expiry_interval.count(), 1, 3600));
  s.stock_estimate = std::chrono::milliseconds(
      env.number<long>("BOOKING_STOCK_ESTIMATE_MS", s.stock_estimate.count(), 0, 1000));
  const auto mode = env.text("BOOKING_WRITE_MODE", "single");
  if (mode != "single" && mode != "batched") {
    throw core::ConfigError("BOOKING_WRITE_MODE: '" + mode + "' is not single or batched");
  }
  s.batched = mode == "batched";
  s.batch_max = env.number<std::size_t>("BOOKING_BATCH_MAX", s.batch_max, 1, 256);
  s.batch_gather = std::chrono::milliseconds(
      env.number<long>("BOOKING_BATCH_GATHER_MS", s.batch_gather.count(), 0, 10000));
  s.max_in_flight = env.number<std::size_t>("BOOKING_MAX_IN_FLIGHT", s.max_in_flight, 0, 256);
  s.max_waiting = env.number<std::size_t>("BOOKING_MAX_WAITING", s.max_waiting, 0, 100000);
  return s;
}

}  // namespace tiket::booking
