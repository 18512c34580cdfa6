#include "support/test_db.hpp"

#include <cppconn/driver.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <cstdlib>
#include <stdexcept>

#include "core/backoff.hpp"

namespace tiket::test {

sql::Driver& test_driver() {
  static sql::Driver* instance = sql::mysql::get_mysql_driver_instance();
  return *instance;
}

namespace {

std::unique_ptr<db::Connection> open(const core::DatabaseUrl& url) {
  db::PoolOptions opts;
  opts.url = url;
  const db::Pool pool(test_driver(), opts);
  return pool.connect();
}

std::string to_url(const core::DatabaseUrl& u, const std::string& host, std::uint16_t port) {
  return "mysql://" + u.user + ":" + u.password + "@" + host + ":" + std::to_string(port) + "/" +
         u.database;
}
}  // namespace

TestDatabase::TestDatabase() {
  const char* env = std::getenv("TEST_DATABASE_URL");
  if (env == nullptr || *env == '\0') {
    throw std::runtime_error("TEST_DATABASE_URL is not set; run the tests through scripts/test.sh");
  }
  admin_ = core::parse_database_url(env);
  url_ = admin_;
  url_.database = "tiket_it_" + std::to_string(core::fast_random() % 1'000'000'000'000ULL);
  const auto conn = open(admin_);
  conn->execute("CREATE DATABASE `" + url_.database +
                "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
}

TestDatabase::~TestDatabase() {
  try {
    const auto conn = open(admin_);
    conn->execute("DROP DATABASE IF EXISTS `" + url_.database + "`");
  } catch (...) {
    // Best effort: the throwaway server is deleted after the run anyway.
  }
}

std::string TestDatabase::url_string() const {
  return to_url(url_, url_.host, url_.port);
}

std::string TestDatabase::url_string_via(const std::string& host, std::uint16_t port) const {
  return to_url(url_, host, port);
}

std::unique_ptr<db::Connection> TestDatabase::connect() const {
  return open(url_);
}

long long TestDatabase::query_int(const std::string& sql) const {
  const auto conn = connect();
  const std::unique_ptr<sql::Statement> stmt(conn->raw().createStatement());
  const std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery(sql));
  if (!rs->next()) {
    throw std::runtime_error("no row: " + sql);
  }
  return static_cast<long long>(rs->getInt64(1));
}

}  // namespace tiket::test
