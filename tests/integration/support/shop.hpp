#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/api.hpp"

namespace tiket::test {

// Helpers shared by the booking and payment tests: a concert to sell, and the calls around it.
struct TypeSpec {
  std::string name;
  long long price = 100000;
  long long quota = 10;
  long long per_user_limit = 0;  // 0: none
};

struct Concert {
  std::int64_t id = 0;
  std::vector<std::int64_t> types;  // in the order of the specs
};

// starts_at `days` from now, on the hour, RFC 3339 UTC.
std::string rfc3339_in_days(int days);

// [{ticket_type_id, quantity}, ...] for a booking request.
nlohmann::json items(std::initializer_list<std::pair<std::int64_t, long long>> list);

// A concert in Jakarta 30 days from now with these ticket types, created (and published unless
// told otherwise) by `token`'s user.
Concert create_concert(const Api& api, const std::string& token, const std::vector<TypeSpec>& specs,
                       bool publish = true);

// POST /api/bookings with this Idempotency-Key (none when empty).
HttpResponse book(const Api& api, const std::string& token, std::int64_t concert_id,
                  const nlohmann::json& list, const std::string& key);

// One sample from the Prometheus text at /metrics, 0 when absent.
double metric(const Api& api, const std::string& series);

}  // namespace tiket::test
