#pragma once

#include <memory>
#include <string>

#include "core/database_url.hpp"
#include "db/pool.hpp"

namespace sql {
class Driver;
}

namespace tiket::test {

// Connector/C++'s driver, created once (its factory is not thread-safe).
sql::Driver& test_driver();

// TEST_DATABASE_URL (set by scripts/test.sh) names a server and an account that may create
// databases. Each test gets a fresh database that is dropped afterwards.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  TestDatabase(TestDatabase&&) = delete;
  TestDatabase& operator=(TestDatabase&&) = delete;

  const core::DatabaseUrl& url() const { return url_; }
  std::string url_string() const;
  // The same database reached through another host/port (the fault proxy).
  std::string url_string_via(const std::string& host, std::uint16_t port) const;

  // A direct connection to this database (for assertions).
  std::unique_ptr<db::Connection> connect() const;
  long long query_int(const std::string& sql) const;

 private:
  core::DatabaseUrl admin_;
  core::DatabaseUrl url_;
};

}  // namespace tiket::test
