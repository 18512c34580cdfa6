#pragma once

#include <chrono>
#include <string>

namespace tiket::core {

// Business-day arithmetic. Times are stored and compared in UTC; only the booking-code date is
// taken in the business time zone (BUSINESS_TZ, default Asia/Jakarta).
//
// The zone is applied process-wide through TZ, once, from main() before any thread starts:
// libstdc++ 12 has no std::chrono::tzdb, and glibc's localtime_r is thread-safe once the zone
// is set. Nothing else in the service uses local time (logs and the DB are UTC).

// True when `name` is an IANA zone name with a compiled file under /usr/share/zoneinfo.
bool valid_time_zone(const std::string& name);

// Makes `name` the process's local zone. Call before threads start.
void set_business_time_zone(const std::string& name);

struct Date {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
};

// The calendar day in the business zone at `tp`.
Date business_day(std::chrono::system_clock::time_point tp);

std::string format_compact(const Date& d);  // 20261121
std::string format_iso(const Date& d);      // 2026-11-21

}  // namespace tiket::core
