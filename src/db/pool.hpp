#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/database_url.hpp"

namespace sql {
class Connection;
class Driver;
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace tiket::db {

struct PoolOptions {
  core::DatabaseUrl url;
  unsigned size = 8;
  std::chrono::milliseconds wait{2000};
  std::chrono::seconds connect_timeout{3};
  std::chrono::seconds read_timeout{10};
  // A connection idle longer than this is pinged before it is lent out.
  std::chrono::seconds validate_after_idle{10};
};

// One physical connection and its prepared-statement cache. Statements are destroyed before
// the connection (docs/libraries.md: they belong to it).
class Connection {
 public:
  explicit Connection(std::unique_ptr<sql::Connection> conn);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;

  // The cached prepared statement for this SQL text. Parameters from a previous use are
  // cleared. The reference is valid until the connection is closed.
  sql::PreparedStatement& prepare(const std::string& sql);

  // Runs a statement without parameters (DDL in migrations, SET, SELECT 1). Never pass input.
  void execute(const std::string& sql);

  // The AUTO_INCREMENT id of this connection's last insert (Connector/C++ 1.1 has no
  // generated-keys API, docs/libraries.md).
  std::int64_t last_insert_id();

  sql::Connection& raw() { return *conn_; }

  // How many statement texts this connection has prepared (for tests and debugging).
  [[nodiscard]] std::size_t cached_statements() const { return statements_.size(); }

  void begin();
  void commit();
  void rollback();

  std::chrono::steady_clock::time_point last_used{};

 private:
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  std::unique_ptr<sql::Connection> conn_;
};

class Pool;

// A borrowed connection. Going out of scope returns it; mark_broken() drops it instead.
class Lease {
 public:
  Lease(Pool& pool, std::unique_ptr<Connection> conn);
  ~Lease();
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }
  void mark_broken() { broken_ = true; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
  bool broken_ = false;
};

// A bounded pool of Connector/C++ connections. Connections are opened lazily up to `size`;
// a caller waits at most `wait` for one and then gets a 503 AppError.
class Pool {
 public:
  Pool(sql::Driver& driver, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) = delete;
  Pool& operator=(Pool&&) = delete;

  // Throws core::AppError (503) when no connection can be had in time or the DB is down.
  Lease acquire();

  std::size_t in_use() const;
  std::size_t open() const;

  // Opens a connection outside the pool (migrations on a fresh database, tests).
  std::unique_ptr<Connection> connect() const;

  // The driver, to open another pool (a second database) from the one made in main.
  sql::Driver& driver() const { return driver_; }

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> conn, bool broken);

  sql::Driver& driver_;
  PoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
  std::size_t in_use_ = 0;
};

// "?, ?, ?": the parameter slots of an IN (...) list of `n` values (n >= 1). The text depends
// only on n, never on the values, so the statement stays prepared and cacheable.
std::string placeholder_list(std::size_t n);

// The longest IN list query_in_chunks() sends in one statement.
inline constexpr std::size_t kMaxInList = 128;

// Runs `sql_before + "?, ?, …" + sql_after` for `ids` and calls `read(row)` for every row.
// The ids go in chunks of at most kMaxInList; each chunk is padded to 1, 2, 4, …, 128 slots by
// repeating its last id. So a query shape prepares at most 8 statement texts per connection,
// whatever the list lengths. The ids must be distinct, or a row could come back twice.
void query_in_chunks(Connection& conn, const std::string& sql_before, const std::string& sql_after,
                     const std::vector<std::int64_t>& ids,
                     const std::function<void(sql::ResultSet&)>& read);

// Runs `work` on a leased connection; a connection error marks the lease broken so the
// connection is discarded, then the exception continues upwards.
template <typename F>
auto with_connection(Pool& pool, F&& work) -> decltype(work(std::declval<Connection&>()));

}  // namespace tiket::db

#include "db/pool_inl.hpp"
