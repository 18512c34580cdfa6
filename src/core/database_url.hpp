#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tiket::core {

// A parsed DATABASE_URL: mysql://user:pass@host:port/db (mariadb:// is accepted too).
struct DatabaseUrl {
  std::string user;
  std::string password;
  std::string host;
  std::uint16_t port = 3306;
  std::string database;

  // The URL with the password masked, safe to log.
  std::string redacted() const;
};

// Throws std::invalid_argument with a one-line reason (never echoing the password).
DatabaseUrl parse_database_url(std::string_view url);

}  // namespace tiket::core
