#include "core/database_url.hpp"

#include <charconv>
#include <stdexcept>

#include "core/percent_encoding.hpp"

namespace tiket::core {

DatabaseUrl parse_database_url(std::string_view url) {
  constexpr std::string_view kMysql = "mysql://";
  constexpr std::string_view kMariadb = "mariadb://";
  std::string_view rest;
  if (url.starts_with(kMysql)) {
    rest = url.substr(kMysql.size());
  } else if (url.starts_with(kMariadb)) {
    rest = url.substr(kMariadb.size());
  } else {
    throw std::invalid_argument("must start with mysql:// or mariadb://");
  }

  DatabaseUrl out;
  // The password may itself contain '@' when not escaped; the last '@' ends the credentials.
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) {
    throw std::invalid_argument("missing user (expected mysql://user:pass@host:port/db)");
  }
  const auto credentials = rest.substr(0, at);
  rest = rest.substr(at + 1);
  const auto colon = credentials.find(':');
  out.user = percent_decode(credentials.substr(0, colon));
  if (colon != std::string_view::npos) {
    out.password = percent_decode(credentials.substr(colon + 1));
  }
  if (out.user.empty()) {
    throw std::invalid_argument("empty user name");
  }

  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    throw std::invalid_argument("missing database name (expected .../db)");
  }
  auto hostport = rest.substr(0, slash);
  auto database = rest.substr(slash + 1);
  if (const auto q = database.find('?'); q != std::string_view::npos) {
    throw std::invalid_argument("query parameters are not supported");
  }
  out.database = percent_decode(database);
  if (out.database.empty() || out.database.find('/') != std::string::npos) {
    throw std::invalid_argument("missing or invalid database name");
  }

  if (hostport.starts_with('[')) {  // [::1]:3306
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      throw std::invalid_argument("unterminated IPv6 host");
    }
    out.host = std::string(hostport.substr(1, close - 1));
    hostport = hostport.substr(close + 1);
    if (!hostport.empty() && !hostport.starts_with(':')) {
      throw std::invalid_argument("unexpected text after IPv6 host");
    }
  } else {
    const auto port_colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, port_colon));
    hostport =
        port_colon == std::string_view::npos ? std::string_view{} : hostport.substr(port_colon);
  }
  if (out.host.empty()) {
    throw std::invalid_argument("empty host");
  }
  if (hostport.starts_with(':')) {
    const auto digits = hostport.substr(1);
    unsigned value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
      throw std::invalid_argument("port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

std::string DatabaseUrl::redacted() const {
  return "mysql://" + user + (password.empty() ? "" : ":***") + "@" + host + ":" +
         std::to_string(port) + "/" + database;
}

}  // namespace tiket::core
