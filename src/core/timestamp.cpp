#include "core/timestamp.hpp"

#include <fmt/core.h>

namespace tiket::core {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `width` ASCII digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

// Parses "YYYY-MM-DD?HH:MM:SS[.fraction]" where ? is one of `separators`; returns the local
// (offset-free) instant and sets `end` to the first unread character.
std::optional<Timestamp> parse_date_time(std::string_view text, std::string_view separators,
                                         std::size_t& end) {
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      separators.find(text[10]) == std::string_view::npos || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(*year),
                                        std::chrono::month(static_cast<unsigned>(*month)),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  long long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    long long scale = 100000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      micros += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first || pos - first > 9) {
      return std::nullopt;
    }
  }
  end = pos;
  return Timestamp{std::chrono::sys_days(ymd).time_since_epoch() + hours(*hour) + minutes(*minute) +
                   seconds(*second) + microseconds(micros)};
}

bool in_range(Timestamp t) {
  const auto year = std::chrono::year_month_day(std::chrono::floor<days>(t)).year();
  return year >= std::chrono::year(1970) && year <= std::chrono::year(9999);
}

struct Parts {
  int year, month, day, hour, minute, second;
  long long micros;
};

Parts split(Timestamp t) {
  const auto day_point = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd(day_point);
  const std::chrono::hh_mm_ss<microseconds> tod(t - day_point);
  return {static_cast<int>(ymd.year()),
          static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(tod.hours().count()),
          static_cast<int>(tod.minutes().count()),
          static_cast<int>(tod.seconds().count()),
          static_cast<long long>(tod.subseconds().count())};
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  std::size_t pos = 0;
  auto local = parse_date_time(text, "Tt", pos);
  if (!local || pos >= text.size()) {
    return std::nullopt;
  }
  Timestamp utc = *local;
  const char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    if (pos + 1 != text.size()) {
      return std::nullopt;
    }
  } else if (zone == '+' || zone == '-') {
    const auto oh = digits(text, pos + 1, 2);
    const auto om = digits(text, pos + 4, 2);
    if (!oh || !om || text.size() != pos + 6 || text[pos + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    const auto offset = hours(*oh) + minutes(*om);
    // Local time = UTC + offset, so UTC = local - offset.
    utc = zone == '+' ? utc - offset : utc + offset;
  } else {
    return std::nullopt;
  }
  if (!in_range(utc)) {
    return std::nullopt;
  }
  return utc;
}

std::string format_rfc3339(Timestamp t) {
  const auto p = split(t);
  if (p.micros == 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", p.year, p.month, p.day, p.hour,
                       p.minute, p.second);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", p.year, p.month, p.day, p.hour,
                     p.minute, p.second, p.micros);
}

std::string format_sql_datetime(Timestamp t) {
  const auto p = split(t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", p.year, p.month, p.day, p.hour,
                     p.minute, p.second, p.micros);
}

std::optional<Timestamp> parse_sql_datetime(std::string_view text) {
  std::size_t pos = 0;
  auto t = parse_date_time(text, " ", pos);
  if (!t || pos != text.size()) {
    return std::nullopt;
  }
  return t;
}

}  // namespace tiket::core
