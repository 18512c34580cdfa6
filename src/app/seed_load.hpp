#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/demo.hpp"
#include "app/settings.hpp"
#include "core/timestamp.hpp"
#include "db/pool.hpp"

namespace sql {
class Driver;
}

namespace tiket::app {

// `tiket-api seed-load --bookings N [--months 24] [--customers M] [--seed S] [--until T]`
// (development and test only): N realistic bookings for the report benchmarks and the
// "1M orders" exercise, written straight to the tables in multi-row prepared INSERTs and large
// transactions, not through the booking service (a million service calls take hours).
//
// What one run writes, all of it consistent with what the service itself would have written:
//   - an organizer organizer@load-<run>.tiket.test and M customers
//     customer-<i>@load-<run>.tiket.test (run = 1 + the highest earlier run), every one with
//     the password DEMO_PASSWORD (default tiket-demo) hashed with argon2id ONCE;
//   - concerts modelled on DEMO_CATALOG_FILE's (every city, the same ticket types and prices),
//     starting across the window and 60 days past its end, published;
//   - N bookings with 1..3 items, created in [until - months, until): business_day is the
//     created_at day in BUSINESS_TZ (2 % sit within two minutes of a local midnight),
//     day_number continues booking_code_counters gaplessly (the counter rows are locked and
//     advanced in the same transaction, as the service does), code TIX-YYYYMMDD-NNNNNN,
//     total_amount the sum of the items;
//   - statuses: paid (72 %), expired (18 %), cancelled (10 %), and pending_payment for the
//     bookings created within BOOKING_HOLD_MINUTES before `until` (at least N/500 of them);
//   - one settled payment per paid booking (attempt 1, order_id <code>-1); no e-tickets (the
//     reports do not read them, and a row per seat would double the load);
//   - ticket_types.quota and available such that available = quota - held - sold, with spare
//     seats on two types in three and the rest sold out.
// The same --seed and --until on an empty database give the same rows.
struct SeedLoadOptions {
  std::int64_t bookings = 0;
  int months = 24;
  std::int64_t customers = 0;  // 0: max(10, bookings / 20)
  std::uint64_t seed = 1;
  std::optional<core::Timestamp> until;  // default: now, to the second
  std::size_t batch_rows = 1000;         // rows per INSERT statement
  std::size_t transaction_bookings = 50'000;
};

// Pure: the command's flags. Throws std::invalid_argument naming the flag.
SeedLoadOptions parse_seed_load_args(const std::vector<std::string>& args);

struct SeedLoadResult {
  int run = 0;
  std::int64_t customers = 0;
  std::int64_t concerts = 0;
  std::int64_t ticket_types = 0;
  std::int64_t bookings = 0;
  std::int64_t items = 0;
  std::int64_t payments = 0;
  std::int64_t paid = 0;
  std::int64_t expired = 0;
  std::int64_t cancelled = 0;
  std::int64_t pending = 0;
  double seconds = 0;  // wall time of the writes (users, concerts, bookings)
};

// Writes one run into the database behind `pool`. `password_hash` is the argon2id hash every
// customer gets; `hold` is BOOKING_HOLD_MINUTES. The business zone must be set
// (core::set_business_time_zone).
SeedLoadResult seed_load(db::Pool& pool, const DemoCatalog& demo, const SeedLoadOptions& options,
                         const std::string& password_hash, std::chrono::minutes hold);

// The command: refuses production, migrates, loads, prints a summary with rows/s on stdout.
int seed_load_command(const Settings& settings, sql::Driver& driver,
                      const std::vector<std::string>& args);

}  // namespace tiket::app
