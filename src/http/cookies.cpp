#include "http/cookies.hpp"

#include <fmt/format.h>

namespace tiket::http {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

std::optional<std::string> cookie(const Request& req, std::string_view name) {
  for (const auto& [header, value] : req.headers) {
    if (header != "cookie") {
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semicolon = rest.find(';');
      const auto pair = trim(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
      const auto equals = pair.find('=');
      if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name) {
        auto found = trim(pair.substr(equals + 1));
        if (found.size() >= 2 && found.front() == '"' && found.back() == '"') {
          found = found.substr(1, found.size() - 2);
        }
        return std::string(found);
      }
    }
  }
  return std::nullopt;
}

std::string strict_cookie(std::string_view name, std::string_view value, std::string_view path,
                          std::chrono::seconds max_age) {
  return fmt::format("{}={}; HttpOnly; Secure; SameSite=Strict; Path={}; Max-Age={}", name, value,
                     path, max_age.count());
}

std::optional<std::string> origin_authority(std::string_view origin) {
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return std::nullopt;
  }
  const auto authority = origin.substr(scheme_end + 3);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(authority);
}

}  // namespace tiket::http
