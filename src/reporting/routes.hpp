#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "http/authenticator.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "reporting/service.hpp"

namespace tiket::reporting {

struct ReportRouteDeps {
  ReportingService& reports;
  const http::Authenticator& authenticator;
};

// docs/api.md (Reports). Admin only, except stock (an organizer: their own concerts):
// GET /api/reports/top-customers    ?from&to&limit
// GET /api/reports/sales-by-city    ?from&to&limit
// GET /api/reports/stock            ?concert_id&organizer_id&limit
// GET /api/reports/requests-per-hour?from&to&limit
// GET /api/reports/monthly-sales    ?from&to
// JSON, or CSV with `Accept: text/csv`.
void register_routes(http::Router& router, const ReportRouteDeps& deps);

// The longest range a report reads, in days (about ten years).
inline constexpr long kMaxRangeDays = 3660;

// ?from=&to= (YYYY-MM-DD business days, both included). Both absent: the last 30 days, today
// (in BUSINESS_TZ) included; only one given: the other is 29 days away from it (to is never
// after today by default). Problems go into `in` (field from or to).
DayRange read_range(http::QueryReader& in, const http::Request& req,
                    std::chrono::year_month_day today);

// True when the Accept header prefers text/csv over application/json (q-values and wildcards
// count; a tie, a missing header or neither type goes to JSON).
bool wants_csv(std::optional<std::string_view> accept);

}  // namespace tiket::reporting
