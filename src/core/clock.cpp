#include "core/clock.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace tiket::core {

namespace {
constexpr const char* kZoneDir = "/usr/share/zoneinfo";
}

bool valid_time_zone(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string::npos) {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) {
      return false;
    }
  }
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(kZoneDir) / name, ec);
}

void set_business_time_zone(const std::string& name) {
  if (!valid_time_zone(name)) {
    throw std::invalid_argument("unknown time zone: " + name);
  }
  // ":" makes glibc read the file instead of parsing a POSIX rule string.
  const std::string value = ":" + name;
  setenv("TZ", value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): before threads start
  tzset();
}

Date business_day(std::chrono::system_clock::time_point tp) {
  const std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm local{};
  localtime_r(&t, &local);
  return {local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1),
          static_cast<unsigned>(local.tm_mday)};
}

std::string format_compact(const Date& d) {
  return fmt::format("{:04}{:02}{:02}", d.year, d.month, d.day);
}

std::string format_iso(const Date& d) {
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

}  // namespace tiket::core
