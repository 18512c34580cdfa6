#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::core {

// A UTC instant with the precision of DATETIME(6).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T' and 'Z' in either
// case. The offset is applied, so the result is UTC; a fraction beyond microseconds is cut.
// nullopt for anything else, including impossible dates (2026-02-30), leap seconds and years
// outside 1970..9999 once in UTC.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// 2026-12-20T12:00:00Z, with .ffffff only when the microseconds are not zero.
std::string format_rfc3339(Timestamp t);

// The DATETIME(6) literal MySQL and MariaDB read back unambiguously: 2026-12-20 12:00:00.000000.
std::string format_sql_datetime(Timestamp t);

// What DATE_FORMAT(col, '%Y-%m-%d %H:%i:%s.%f') returns; the fraction is optional.
std::optional<Timestamp> parse_sql_datetime(std::string_view text);

}  // namespace tiket::core
